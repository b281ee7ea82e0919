"""Semantic search: `kofasttext.search` (sentence vectors of documents, by cosine) and the ``index`` and
``search`` commands."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PLANTED, build_model, run_cli

import kofasttext as kft
from kofasttext.errors import ModelFileError, UsageError
from kofasttext.search import DocumentIndex, build_index, model_fingerprint

DOCUMENTS = ["영화 배우 연기 최고", "김치 라면 정말 맛있다", "날씨 비 우산 바람", "", "qqqxz"]


@pytest.fixture(scope="module")
def demo_model(demo_model_path):
    return kft.load(str(demo_model_path))


def test_scores_are_cosines_of_sentence_vectors(demo_model):
    index = build_index(demo_model, DOCUMENTS, dtype="float32")
    hits = index.search(demo_model, "배우 연기", k=len(DOCUMENTS))
    query = demo_model.get_sentence_vector("배우 연기")
    for hit in hits:
        document = demo_model.get_sentence_vector(DOCUMENTS[hit.document])
        norms = np.linalg.norm(query) * np.linalg.norm(document)
        assert hit.score == pytest.approx(float(query @ document / norms) if norms else 0.0, abs=1e-5)
        assert hit.text == DOCUMENTS[hit.document]
    assert hits[0].document == 0  # the document that holds both words
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert {h.document: h.score for h in hits}[3] == 0.0  # an empty line matches nothing


def test_float16_keeps_the_ranking_and_the_file_round_trips(demo_model, tmp_path):
    exact = build_index(demo_model, DOCUMENTS, dtype="float32")
    half = build_index(demo_model, DOCUMENTS, model_path="m.kft", source="docs.txt")
    assert half.vectors.dtype == np.float16 and np.allclose(half.vectors, exact.vectors, atol=2e-3)
    half.save(str(tmp_path / "docs.index"))
    loaded = DocumentIndex.load(str(tmp_path / "docs.index"))
    assert isinstance(loaded.vectors, np.memmap) and len(loaded) == len(DOCUMENTS)
    assert [loaded.text(i) for i in range(len(loaded))] == DOCUMENTS
    query = "김치 라면"
    ranked = [h.document for h in exact.search(demo_model, query, k=3)]
    assert [h.document for h in loaded.search(demo_model, query, k=3)] == ranked


def test_a_query_with_no_vector_finds_nothing(demo_model):
    assert build_index(demo_model, DOCUMENTS).search(demo_model, "", k=3) == []


def test_another_model_is_refused():
    planted = build_model(PLANTED)
    shifted = build_model({word: [x + 0.5 for x in vector] for word, vector in PLANTED.items()})  # same words and dim
    assert model_fingerprint(planted) == model_fingerprint(build_model(PLANTED))
    assert model_fingerprint(planted) != model_fingerprint(shifted)
    index = build_index(planted, ["사과 바나나", "자동차 기차"], model_path="planted.kft")
    index.check_model(build_model(PLANTED))
    with pytest.raises(UsageError, match="built with another model"):
        index.check_model(shifted)


def test_an_index_is_not_a_model_nor_a_model_an_index(demo_model, demo_model_path, tmp_path):
    build_index(demo_model, DOCUMENTS).save(str(tmp_path / "docs.index"))
    with pytest.raises(ModelFileError, match="a document index"):
        kft.load(str(tmp_path / "docs.index"))
    with pytest.raises(ModelFileError, match="not a document index"):
        DocumentIndex.load(str(demo_model_path))
    with pytest.raises(UsageError, match="no documents"):
        build_index(demo_model, [])


def test_index_and_search_commands(demo_model_path, tmp_path):
    docs = tmp_path / "reviews.tsv"
    docs.write_text("id\tdocument\tlabel\n" + "".join(f"{i}\t{text}\t1\n" for i, text in enumerate(DOCUMENTS)), encoding="utf-8")
    index = tmp_path / "reviews.index"
    built = run_cli("index", demo_model_path, docs, "-o", index, "--column", "document", "--quiet")
    assert built.returncode == 0, built.stderr
    assert f"{len(DOCUMENTS)} documents" in built.stdout
    found = run_cli("search", index, "배우 연기", "-k", "2")
    assert found.returncode == 0, found.stderr
    rows = [line.split("\t") for line in found.stdout.strip().split("\n")]
    assert [row[1:] for row in rows][0] == ["0", DOCUMENTS[0]] and len(rows) == 2
    assert float(rows[0][0]) >= float(rows[1][0])
    wrong = run_cli("search", demo_model_path, "배우")
    assert wrong.returncode == 1 and "not a document index" in wrong.stderr and len(wrong.stderr.strip().split("\n")) == 1
    missing = run_cli("index", demo_model_path, tmp_path / "nothing.txt", "-o", tmp_path / "x.index")
    assert missing.returncode == 1 and "documents not found" in missing.stderr and "Traceback" not in missing.stderr
