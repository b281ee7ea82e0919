"""The count-based baseline (kofasttext.ppmi): co-occurrence counts, PPMI values and
SVD vectors against answers computed by hand or by a plain dense implementation
written here, its queries, its model file, and its errors."""

from __future__ import annotations

import doctest
import importlib
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import FOOD, REPO_ROOT, WEATHER

import kofasttext as kft
from kofasttext import CorpusError, ModelFileError, UsageError
from kofasttext.baselines.ppmi import PPMIModel, ppmi_entries
from kofasttext.corpus.cooccurrence import cooccurrence_counts


def dense_counts(lines: list[list[int]], nwords: int, window: int) -> np.ndarray:
    """Symmetric counts the slow, obvious way: every centre, every context within the window."""
    counts = np.zeros((nwords, nwords), dtype=np.int64)
    for line in lines:
        for i, word in enumerate(line):
            for j, context in enumerate(line):
                if 0 < abs(i - j) <= window:
                    counts[word, context] += window - abs(i - j) + 1
    return counts


def dense_ppmi(counts: np.ndarray, exponent: float) -> np.ndarray:
    total = counts.sum()
    marginal = counts.sum(1)
    p_context = marginal**exponent / (marginal**exponent).sum()
    with np.errstate(divide="ignore"):
        pmi = np.log(counts / total) - np.log(marginal / total)[:, None] - np.log(p_context)[None, :]
    return np.where(counts > 0, np.maximum(pmi, 0.0), 0.0)


def as_dense(rows, cols, values, nwords) -> np.ndarray:
    matrix = np.zeros((nwords, nwords))
    matrix[rows, cols] = values
    return matrix


def encode(lines: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    tokens = np.array([w for line in lines for w in line], dtype=np.int32)
    line_starts = np.concatenate([[0], np.cumsum([len(line) for line in lines])]).astype(np.int64)
    return tokens, line_starts


# -- counts -----------------------------------------------------------------------------
def test_counts_by_hand_weight_by_distance_and_stop_at_line_ends():
    # line 1: 영화(0) 재밌다(1) 영화(0); line 2: ㅋㅋ(2) 영화(0). window 2: distance 1 weighs 2, distance 2 weighs 1.
    tokens, line_starts = encode([[0, 1, 0], [2, 0]])
    first, second, counts = cooccurrence_counts(tokens, line_starts, 3, window=2)
    got = {(int(a), int(b)): int(n) for a, b, n in zip(first, second, counts)}
    # (0,0): 영화 _ 영화 at distance 2; (0,1): twice at distance 1; (0,2): only in line 2 -- the
    # 영화 ending line 1 and the ㅋㅋ starting line 2 are adjacent in `tokens` but never paired.
    assert got == {(0, 0): 1, (0, 1): 4, (0, 2): 2}
    assert list(zip(first.tolist(), second.tolist())) == sorted(got)


@pytest.mark.parametrize("pairs_per_chunk", [1, 2, 7, 50, None])
def test_counts_equal_the_dense_definition_whatever_the_chunk_size(pairs_per_chunk):
    rng = np.random.default_rng(1)
    lines = [rng.integers(0, 6, size=rng.integers(1, 9)).tolist() for _ in range(25)]
    tokens, line_starts = encode(lines)
    first, second, counts = cooccurrence_counts(tokens, line_starts, 6, window=3, pairs_per_chunk=pairs_per_chunk)
    assert np.all(first <= second)
    got = np.zeros((6, 6), dtype=np.int64)
    got[first, second] += counts
    got[second, first] += counts  # the diagonal twice: each occurrence sees the other
    assert np.array_equal(got, dense_counts(lines, 6, window=3))


# -- PPMI ----------------------------------------------------------------------------------
def test_ppmi_values_by_hand():
    # "a b a c", window 1: #(a,b) = #(b,a) = 2, #(a,c) = #(c,a) = 1; marginals a 3, b 2, c 1, total 6.
    rows, cols, values = ppmi_entries(np.array([0, 0]), np.array([1, 2]), np.array([2, 1]), 3, context_exponent=0.75)
    smoothed = 3**0.75 + 2**0.75 + 1**0.75  # 4.9613
    p = {"a": 3**0.75 / smoothed, "b": 2**0.75 / smoothed, "c": 1 / smoothed}
    expected = {
        (0, 1): math.log((2 / 6) / ((3 / 6) * p["b"])),  # 0.6763
        (0, 2): math.log((1 / 6) / ((3 / 6) * p["c"])),  # 0.5031
        (1, 0): math.log((2 / 6) / ((2 / 6) * p["a"])),  # 0.7778
        (2, 0): math.log((1 / 6) / ((1 / 6) * p["a"])),  # 0.7778
    }
    assert list(zip(rows.tolist(), cols.tolist())) == sorted(expected)
    assert values == pytest.approx([expected[key] for key in sorted(expected)], rel=1e-6)
    assert values == pytest.approx([0.6763, 0.5031, 0.7778, 0.7778], abs=1e-4)


def test_ppmi_drops_negative_pmi():
    # 김치 (1) nearly always beside 라면 (2), once beside 그 (0), which is mostly beside others:
    # PMI(김치, 그) = log(1 * 34 / (11 * 7)) < 0, PMI(김치, 라면) = log(10 * 34 / (11 * 10)) > 0.
    lines = [[1, 2]] * 10 + [[0, 1]] + [[0, 3]] * 3 + [[0, 4]] * 3
    counts = dense_counts(lines, 5, window=1)
    first, second, weights = cooccurrence_counts(*encode(lines), 5, window=1)
    rows, cols, values = ppmi_entries(first, second, weights, 5, context_exponent=1.0)
    matrix = as_dense(rows, cols, values, 5)
    assert np.allclose(matrix, dense_ppmi(counts, 1.0), atol=1e-6)
    assert matrix[1, 2] == pytest.approx(math.log(34 / 11))
    assert counts[1, 0] == 1 and matrix[1, 0] == 0.0 and matrix[0, 1] == 0.0
    assert (1, 0) not in set(zip(rows.tolist(), cols.tolist()))  # clipped values are not stored


@pytest.mark.parametrize("exponent", [0.75, 1.0])
def test_ppmi_equals_the_dense_definition(exponent):
    rng = np.random.default_rng(2)
    lines = [rng.integers(0, 8, size=rng.integers(2, 10)).tolist() for _ in range(30)]
    first, second, counts = cooccurrence_counts(*encode(lines), 8, window=4)
    rows, cols, values = ppmi_entries(first, second, counts, 8, exponent)
    assert np.all(values > 0) and values.dtype == np.float32
    assert np.all(np.diff(rows.astype(np.int64) * 8 + cols) > 0)  # row-major, no duplicates
    assert np.allclose(as_dense(rows, cols, values, 8), dense_ppmi(dense_counts(lines, 8, 4), exponent), atol=1e-5)


# -- trained vectors ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def topic_model(topic_corpus) -> PPMIModel:
    return kft.train_ppmi(str(topic_corpus), dim=8, window=5, min_count=1, progress=False)


def test_topic_corpus_food_words_are_nearer_food_words(topic_model):
    assert sorted(topic_model.words) == sorted(FOOD + WEATHER)
    for topic, other in ((FOOD, WEATHER), (WEATHER, FOOD)):
        for word in topic:
            neighbours = [w for w, _ in topic_model.most_similar(word, topn=len(topic) - 1)]
            assert set(neighbours) == set(topic) - {word}
            # the two topics never share a line: their PPMI blocks, and so their vectors, are orthogonal
            assert max(topic_model.similarity(word, w) for w in other) < 0.05
    assert topic_model.similarity("김치", "라면") > 0.5


def test_vectors_are_u_times_sqrt_s_of_the_exact_ppmi_matrix(topic_model, topic_corpus):
    """With 16 words the randomised SVD (rank 8 + 10 oversampled) is exact: compare with numpy's."""
    from kofasttext.corpus import encode_corpus

    corpus = encode_corpus(str(topic_corpus), min_count=1)
    matrix = as_dense(*ppmi_entries(*cooccurrence_counts(corpus.tokens, corpus.line_starts, 16, 5), 16), 16)
    exact = np.linalg.svd(matrix, compute_uv=False)[:8]
    assert topic_model.singular_values == pytest.approx(exact, rel=1e-4)
    vectors = topic_model.word_vectors()
    assert vectors.shape == (16, 8) and vectors.dtype == np.float32
    # U orthonormal, so W^T W = S; and W W^T is the rank-8 part of M M^T with S^-1 weights, not checked here
    assert np.allclose(vectors.T @ vectors, np.diag(exact), atol=1e-3 * exact[0])
    for i, word in enumerate(topic_model.words):
        assert np.array_equal(vectors[i], topic_model.get_word_vector(word))
        assert np.array_equal(vectors[i], topic_model[word])


def test_unseen_word_has_a_zero_vector_and_no_neighbours(topic_model):
    assert "몰랐겠지" not in topic_model and "김치" in topic_model
    vector = topic_model.get_word_vector("몰랐겠지")
    assert vector.shape == (8,) and not vector.any()
    assert topic_model.most_similar("몰랐겠지") == []
    assert topic_model.similarity("몰랐겠지", "김치") == 0.0
    assert len(topic_model) == 16 and topic_model.dim == 8 and "PPMIModel" in repr(topic_model)


def test_same_seed_same_vectors_and_the_global_generator_is_left_alone(topic_corpus, topic_model):
    import torch

    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    again = kft.train_ppmi(str(topic_corpus), dim=8, window=5, min_count=1, progress=False)
    assert torch.rand(1) == expected_next
    assert np.array_equal(again.word_vectors(), topic_model.word_vectors())


def test_config_records_the_choices(topic_model):
    config = topic_model.config
    assert config["model"] == "ppmi" and config["dim"] == 8 and config["window"] == 5
    assert config["context_exponent"] == 0.75 and config["eigenvalue_weight"] == 0.5
    assert config["corpus_lines"] == 400 and config["corpus_tokens"] == 2400


# -- files -----------------------------------------------------------------------------------
def test_save_load_round_trip(topic_model, tmp_path):
    path = str(tmp_path / "topics.kft")
    topic_model.save(path)
    loaded = kft.load(path)
    assert isinstance(loaded, kft.PPMIModel)
    assert loaded.words == topic_model.words and loaded.config == topic_model.config
    assert np.array_equal(loaded.word_vectors(), topic_model.word_vectors())
    assert np.array_equal(loaded.singular_values, topic_model.singular_values)
    assert np.array_equal(loaded.vocab.counts, topic_model.vocab.counts)
    assert loaded.most_similar("김치", topn=3) == topic_model.most_similar("김치", topn=3)
    assert np.array_equal(PPMIModel.load(path).word_vectors(), topic_model.word_vectors())
    with pytest.raises(ModelFileError):
        kft.Model.load(path)  # a subword model cannot be read from it


def test_a_subword_model_file_is_not_a_ppmi_model(planted_model, tmp_path):
    path = str(tmp_path / "planted.kft")
    planted_model.save(path)
    assert isinstance(kft.load(path), kft.Model)
    with pytest.raises(ModelFileError, match="not a PPMI model"):
        PPMIModel.load(path)


def test_neither_import_nor_load_imports_torch(topic_model, tmp_path):
    path = str(tmp_path / "topics.kft")
    topic_model.save(path)
    code = (
        "import sys, kofasttext as kft; assert 'torch' not in sys.modules; "
        f"m = kft.load({path!r}); m.most_similar('김치'); kft.PPMIModel; print('torch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "options, match",
    [
        ({"dim": 0}, "dim"),
        ({"dim": 2.5}, "dim"),
        ({"window": 0}, "window"),
        ({"window": True}, "window"),
        ({"min_count": -1}, "min_count"),
        ({"context_exponent": 0}, "context_exponent"),
        ({"context_exponent": 1.5}, "context_exponent"),
        ({"seed": -1}, "seed"),
        ({"dim": 17, "min_count": 1}, "more than the 16 words"),
    ],
)
def test_bad_options_raise_usage_error(topic_corpus, options, match):
    with pytest.raises(UsageError, match=match):
        kft.train_ppmi(str(topic_corpus), **{"dim": 4, **options}, progress=False)


def test_corpora_that_cannot_be_counted_raise_corpus_error(write_corpus, tmp_path):
    with pytest.raises(CorpusError, match="no words"):
        kft.train_ppmi(str(write_corpus("empty.txt", "")), dim=2, progress=False)
    with pytest.raises(CorpusError, match="not found"):
        kft.train_ppmi(str(tmp_path / "missing.txt"), dim=2, progress=False)
    with pytest.raises(CorpusError, match="min_count"):
        kft.train_ppmi(str(write_corpus("rare.txt", ["김치 라면"])), dim=1, progress=False)
    one_word_lines = write_corpus("single.txt", ["김치", "라면", "비"] * 5)
    with pytest.raises(CorpusError, match="within 5 words"):
        kft.train_ppmi(str(one_word_lines), dim=2, progress=False)


def test_progress_goes_to_stderr(topic_corpus, capsys):
    kft.train_ppmi(str(topic_corpus), dim=2, min_count=1, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "400 lines" in captured.err and "PPMI-SVD vectors of 16 words" in captured.err


@pytest.mark.parametrize("name", ["kofasttext.baselines.ppmi", "kofasttext.queries"])
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)  # examples name corpora/demo_ko.txt
    result = doctest.testmod(importlib.import_module(name), extraglobs={"kft": kft})
    assert result.failed == 0


def test_the_pretokenizer_is_honoured_stored_and_loaded(tmp_path):
    """train_ppmi cuts the corpus with the pretokeniser it is given, as train does, and keeps it in the file."""
    corpus = tmp_path / "reviews.txt"
    corpus.write_text("영화가 재미있었다\n영화를 봤다\n배우가 좋았다\n" * 20, encoding="utf-8")
    whitespace = kft.train_ppmi(str(corpus), dim=2, min_count=1, progress=False)
    kiwi = kft.train_ppmi(str(corpus), dim=2, min_count=1, progress=False, pretokenizer="kiwi:join")
    assert "영화가" in whitespace and "영화가" not in kiwi
    assert "영화" in kiwi and kiwi.pretokenizer.spec == "kiwi:join"
    path = str(tmp_path / "kiwi-ppmi.kft")
    kiwi.save(path)
    loaded = kft.load(path)
    assert loaded.pretokenizer.spec == "kiwi:join" and loaded.config["pretokenizer"]["name"] == "kiwi"
    assert np.array_equal(loaded.word_vectors(), kiwi.word_vectors())
