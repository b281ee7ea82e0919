"""The package's shape: no import cycle anywhere in kofasttext/, every subpackage installed, and every
command's --help showing its defaults. (The layers themselves are import-linter's contract in pyproject.toml,
which `lint-imports` checks in CI.)"""

from __future__ import annotations

import grimp
import pytest
from conftest import REPO_ROOT

from kofasttext import cli


def test_no_module_of_kofasttext_imports_itself_through_others():
    """For every import A -> B (at module level or inside a function), no chain leads from B back to A."""
    graph = grimp.build_graph("kofasttext")
    cycles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.append(" -> ".join((importer, *back)))
    assert cycles == []


def test_every_subpackage_is_installed():
    """A subpackage missing from pyproject.toml's list installs without error and fails at import."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    listed = set(tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    package_root = REPO_ROOT / "kofasttext"
    found = {
        ".".join(("kofasttext", *init.parent.relative_to(package_root).parts))
        for init in package_root.rglob("__init__.py")
    }
    assert found == listed - {"kofasttext.demo_corpora"}


def _parsers(parser, prefix=()):
    for action in parser._actions:
        if hasattr(action, "choices") and isinstance(action.choices, dict):  # the subcommands
            for name, child in action.choices.items():
                yield (*prefix, name), child
                yield from _parsers(child, (*prefix, name))


def _name(value) -> str:
    return " ".join(value) if isinstance(value, tuple) else ""


@pytest.mark.parametrize("command, parser", list(_parsers(cli._build_parser())), ids=_name)
def test_help_shows_every_default(command, parser):
    text = " ".join(parser.format_help().split())
    checked = 0
    for action in parser._actions:
        unset = action.default is None or action.default is False or action.default == "==SUPPRESS=="
        if action.option_strings and not unset and action.help != "==SUPPRESS==":
            assert f"(default: {action.default})" in text, (command, action.dest)
            checked += 1
    if command == ("train",):
        # --subwords, --dim, ... --seed, --model, --loss, --pretokenizer; --epoch and --window name their per-model defaults
        assert checked == 12
