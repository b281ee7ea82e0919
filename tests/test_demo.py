"""The bundled demo (kofasttext.demo) and its corpus.

The demo's point is that words the corpus never contains still get sensible
neighbours, so its UNSEEN_FORMS must really be unseen. The corpus is still being
extended: these tests check properties, never its exact content or size.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO_ROOT

from kofasttext.demo import DEMO_SETTINGS, UNSEEN_FORMS, demo_corpus_path
from kofasttext.pretokenizers import split_words


@pytest.fixture(scope="module")
def demo_lines() -> list[str]:
    path = Path(demo_corpus_path())
    assert path.is_file()
    return path.read_text(encoding="utf-8").splitlines()


def test_demo_corpus_is_the_one_in_the_checkout():
    assert Path(demo_corpus_path()).resolve() == (REPO_ROOT / "corpora" / "demo_ko.txt").resolve()


def test_demo_corpus_has_at_least_1000_lines(demo_lines):
    assert len([line for line in demo_lines if line.strip()]) >= 1000


def test_unseen_forms_never_occur_as_words(demo_lines):
    words = set()
    for line in demo_lines:
        words.update(split_words(line))
    seen = [form for form in UNSEEN_FORMS if form in words]
    assert seen == [], f"UNSEEN_FORMS that the demo corpus contains: {seen}"


def test_unseen_forms_are_single_words():
    """Each form must be one word after pretokenisation, or the check above
    would compare pieces that never match."""
    assert len(UNSEEN_FORMS) >= 1
    for form in UNSEEN_FORMS:
        assert split_words(form) == [form]


def test_demo_settings_are_valid_train_options():
    from kofasttext.subwords import SubwordScheme

    SubwordScheme.create(DEMO_SETTINGS["subwords"], bucket=DEMO_SETTINGS["bucket"])
    assert DEMO_SETTINGS["min_count"] >= 1 and DEMO_SETTINGS["dim"] >= 1
