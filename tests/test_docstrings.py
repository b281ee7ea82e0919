"""The runnable examples in the public docstrings are true (the others are marked SKIP:
they need a trained model or the shared data)."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

MODULES = [
    "kofasttext.hangul",
    "kofasttext.subwords",
    "kofasttext.pretokenizers",
    "kofasttext.pretokenizers.whitespace",
    "kofasttext.pretokenizers.kiwi",
    "kofasttext.pretokenizers.sentencepiece",
    "kofasttext.vocab",
    "kofasttext.corpus",
    "kofasttext.corpus.encode",
    "kofasttext.corpus.read",
    "kofasttext.model",
    "kofasttext.training.trainer",
    "kofasttext.training.huffman",
    "kofasttext.evaluate.oov",
    "kofasttext.evaluate.plots",
    "kofasttext.queries",
    "kofasttext.baselines.ppmi",
    "kofasttext.classify.classifier",
    "kofasttext.corpus.prepare",
    "kofasttext.datasets.nsmc",
    "kofasttext.files",
    "kofasttext.validate",
    "kofasttext.interop.vec",
    "kofasttext.corpus.cooccurrence",
    "kofasttext.training.glove",
    "kofasttext.loader",
    "kofasttext.search",
    "kofasttext.serve.parameters",
    "kofasttext.serve.expression",
    "kofasttext.serve.projection",
    "kofasttext.serve.answers",
    "kofasttext.serve.api",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)  # examples name corpora/demo_ko.txt
    result = doctest.testmod(importlib.import_module(name), extraglobs={"kft": importlib.import_module("kofasttext")})
    assert result.failed == 0
