"""Queries on a hand-made Model and the model file (kofasttext.model, kofasttext.modelfile).

The models here are built directly from planted vectors (conftest.build_model),
so every expected neighbour and every vector is known without training.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import stat
import struct
import unicodedata

import numpy as np
import pytest
from conftest import PLANTED

import kofasttext as kft
from kofasttext import ModelFileError, UsageError, modelfile
from kofasttext.subwords import fasttext_hash

BUCKET = 1000


def row(word_or_ngram: str, nwords: int) -> int:
    """Row of an n-gram, computed here from the scalar hash."""
    return nwords + fasttext_hash(word_or_ngram) % BUCKET


# -- vectors ------------------------------------------------------------------------
def test_in_vocab_vector_is_the_sum_of_its_rows_including_duplicates(make_model):
    model = make_model({"ㅋㅋㅋ": [1.0] * 4, "영화": [2.0] * 4}, minn=2, maxn=3, ngram_rows="random")
    nwords, m = 2, model.input_matrix
    # <ㅋㅋㅋ> with minn 2, maxn 3: ㅋㅋ occurs twice and is summed twice.
    ngrams = ["<ㅋ", "<ㅋㅋ", "ㅋㅋ", "ㅋㅋㅋ", "ㅋㅋ", "ㅋㅋ>", "ㅋ>"]
    expected = m[0] + sum(m[row(g, nwords)] for g in ngrams)
    assert np.allclose(model.get_word_vector("ㅋㅋㅋ"), expected, atol=1e-5)
    grams, rows = model.get_subwords("ㅋㅋㅋ")
    assert grams == ["ㅋㅋㅋ"] + ngrams
    assert rows.tolist() == [0] + [row(g, nwords) for g in ngrams]
    assert np.allclose(model["ㅋㅋㅋ"], expected, atol=1e-5)


def test_oov_vector_is_the_sum_of_its_ngram_rows(make_model):
    model = make_model({"영화": [1.0] * 4, "재밌다": [2.0] * 4}, minn=2, maxn=3, ngram_rows="random")
    assert "영화관" not in model
    ngrams = ["<영", "<영화", "영화", "영화관", "화관", "화관>", "관>"]
    expected = sum(model.input_matrix[row(g, 2)] for g in ngrams)
    assert np.allclose(model.get_word_vector("영화관"), expected, atol=1e-5)
    # queries are normalised like corpus text: NFD input gives the same vector
    assert np.array_equal(model.get_word_vector(unicodedata.normalize("NFD", "영화관")), model.get_word_vector("영화관"))


def _rows_without_memo(model, word: str) -> np.ndarray:
    """An unseen word's stored rows computed directly: every n-gram's bucket, through ``used_buckets``."""
    buckets = model.scheme.bucket_ids(model.scheme.ngrams(word))
    position = np.searchsorted(model.used_buckets, buckets)
    last = len(model.used_buckets) - 1
    stored = (position <= last) & (model.used_buckets[np.minimum(position, last)] == buckets)
    return position[stored] + model.scheme.first_bucket_row(len(model.vocab))


def test_an_unseen_words_rows_are_the_same_cold_warm_and_after_the_memo_starts_again(small_corpus, monkeypatch):
    from kofasttext import model as model_module

    model = kft.train(str(small_corpus), dim=8, epoch=1, min_count=2, bucket=5000, threads=1, progress=False)
    assert model.used_buckets is not None  # a trained model stores only the buckets its words use
    unseen = ["비바람", "ㅋㅋㅋㅋㅋㅋㅋ", "라면집", "비바람", "몰랐겠지"]  # repeated n-grams, a repeated word
    assert not any(word in model for word in unseen)
    expected = {word: _rows_without_memo(model, word) for word in unseen}
    for _ in range(2):  # cold, then from the memo
        for word in unseen:
            np.testing.assert_array_equal(model.input_rows(word), expected[word])
    assert len(model._ngram_rows) == len({g for w in unseen for g in model.scheme.ngrams(w)})
    monkeypatch.setattr(model_module, "NGRAM_ROW_MEMO", 20)  # over the bound: the next miss empties it
    assert "눈사람" not in model
    np.testing.assert_array_equal(model.input_rows("눈사람"), _rows_without_memo(model, "눈사람"))
    assert 0 < len(model._ngram_rows) and set(model._ngram_rows) <= set(model.scheme.ngrams("눈사람"))  # its misses only
    for word in unseen:
        np.testing.assert_array_equal(model.input_rows(word), expected[word])
        assert len(model._ngram_rows) <= max(20, len(model.scheme.ngrams(word)))


def test_none_model_gives_zeros_for_oov(make_model):
    model = make_model(PLANTED, subwords="none")
    assert model.input_matrix.shape[0] == len(PLANTED)
    vector = model.get_word_vector("몰랐겠지")
    assert vector.shape == (8,) and not np.any(vector)
    assert model.most_similar("몰랐겠지") == []
    assert model.similarity("몰랐겠지", "사과") == 0.0
    assert np.array_equal(model.get_word_vector("사과"), np.asarray(PLANTED["사과"], dtype=np.float32))


@pytest.mark.parametrize("subwords", ["syllable", "jamo", "hybrid", "none"])
def test_word_vectors_rows_equal_get_word_vector(make_model, subwords):
    minn, maxn = ((2, 3), (3, 4)) if subwords == "hybrid" else (2, 3)
    model = make_model(PLANTED, subwords=subwords, minn=minn, maxn=maxn, ngram_rows="random")
    vectors = model.word_vectors()
    assert vectors.shape == (len(PLANTED), 8)
    for i, word in enumerate(model.words):
        assert np.allclose(vectors[i], model.get_word_vector(word), rtol=1e-5, atol=1e-5)


# -- queries -----------------------------------------------------------------------------
def test_similarity(planted_model):
    assert planted_model.similarity("사과", "바나나") == pytest.approx(1 / np.sqrt(1.01), rel=1e-6)
    assert planted_model.similarity("사과", "자동차") == pytest.approx(0.0, abs=1e-7)
    assert planted_model.similarity("서울", "서울") == pytest.approx(1.0, rel=1e-6)


def test_most_similar_sorted_and_query_excluded(planted_model):
    result = planted_model.most_similar("사과", topn=4)
    words = [w for w, _ in result]
    scores = [s for _, s in result]
    assert words[:2] == ["바나나", "포도"]
    assert "사과" not in words
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == pytest.approx(1 / np.sqrt(1.01), rel=1e-6)
    assert scores[1] == pytest.approx(1 / np.sqrt(1.25), rel=1e-6)
    # a string and a one-element list are the same query
    assert planted_model.most_similar(["사과"], topn=4) == result


def test_most_similar_positive_and_negative(planted_model):
    result = planted_model.most_similar(positive=["한국", "도쿄"], negative=["서울"], topn=3)
    assert result[0][0] == "일본"
    assert result[0][1] == pytest.approx(1.0, abs=1e-6)
    assert not {"한국", "도쿄", "서울"} & {w for w, _ in result}
    farthest_from_apple = planted_model.most_similar(negative="사과", topn=2)[0][0]
    assert farthest_from_apple in {"서울", "한국", "도쿄", "일본", "자동차", "기차"}


def test_most_similar_with_a_count_in_place_of_the_negative_words_says_topn(planted_model):
    with pytest.raises(UsageError, match="topn=5"):
        planted_model.most_similar("사과", 5)


def test_most_similar_returns_every_other_word_at_most(planted_model):
    result = planted_model.most_similar("사과", topn=100)
    assert len(result) == len(PLANTED) - 1
    assert planted_model.most_similar("사과", topn=0) == []
    with pytest.raises(UsageError):
        planted_model.most_similar([])


def test_most_similar_repeated_query_word_is_excluded_once(planted_model):
    """Giving a query word twice (or in NFD and NFC) must not cost an answer:
    only one vocabulary entry is excluded, so all other words can be returned."""
    result = planted_model.most_similar(["사과", "사과"], topn=100)
    assert len(result) == len(PLANTED) - 1
    result = planted_model.most_similar(["사과", unicodedata.normalize("NFD", "사과")], topn=100)
    assert len(result) == len(PLANTED) - 1


def test_analogy_returns_the_planted_answer(planted_model):
    answer = planted_model.analogy("서울", "한국", "도쿄")
    assert len(answer) == 1
    assert answer[0][0] == "일본" and answer[0][1] == pytest.approx(1.0, abs=1e-6)
    assert [w for w, _ in planted_model.analogy("한국", "서울", "일본", topn=2)][0] == "도쿄"


def test_contains_len_repr(planted_model):
    assert "사과" in planted_model and "몰랐겠지" not in planted_model
    assert unicodedata.normalize("NFD", "사과") in planted_model
    assert len(planted_model) == len(PLANTED) and planted_model.dim == 8
    assert "syllable" in repr(planted_model)


# -- save / load --------------------------------------------------------------------
@pytest.mark.parametrize("subwords", ["syllable", "jamo", "hybrid", "none"])
def test_save_load_round_trip(make_model, tmp_path, subwords):
    minn, maxn = ((2, 3), (3, 4)) if subwords == "hybrid" else (2, 3)
    model = make_model(PLANTED, subwords=subwords, minn=minn, maxn=maxn, ngram_rows="random")
    path = tmp_path / "m.kft"
    model.save(str(path))
    loaded = kft.load(str(path))
    assert loaded.words == model.words
    assert loaded.config == model.config
    assert loaded.scheme == model.scheme
    assert np.array_equal(loaded.vocab.counts, model.vocab.counts)
    assert np.array_equal(loaded.input_matrix, model.input_matrix)
    assert np.array_equal(loaded.output_matrix, model.output_matrix)
    assert np.array_equal(loaded.word_vectors(), model.word_vectors())
    for word in ["사과", "몰랐겠지", "3D영화", "ㅋㅋ"]:
        assert np.array_equal(loaded.get_word_vector(word), model.get_word_vector(word))
    assert loaded.most_similar("사과", topn=3) == model.most_similar("사과", topn=3)


def test_model_file_is_not_a_pickle(planted_model, tmp_path, monkeypatch):
    """Loading a model must never execute code from the file: the format is a
    magic, a JSON header and raw arrays."""
    path = tmp_path / "m.kft"
    planted_model.save(str(path))
    data = path.read_bytes()
    assert data[:8] == modelfile.MAGIC
    assert not data.startswith(b"\x80")  # pickle protocol 2+ opcode
    _, version, header_length = struct.unpack("<8sIQ", data[:20])
    assert version == modelfile.FORMAT_VERSION
    header = json.loads(data[20 : 20 + header_length])
    assert header["words"] == list(PLANTED)

    def no_pickle(*args, **kwargs):
        raise AssertionError("pickle used while loading a model")

    monkeypatch.setattr(pickle, "load", no_pickle)
    monkeypatch.setattr(pickle, "loads", no_pickle)
    monkeypatch.setattr(pickle, "Unpickler", no_pickle)
    loaded = kft.load(str(path))
    assert loaded.words == list(PLANTED)


@pytest.fixture
def saved_model(planted_model, tmp_path):
    path = tmp_path / "m.kft"
    planted_model.save(str(path))
    return path


def _write_and_expect_error(path, data: bytes, match: str | None = None):
    path.write_bytes(data)
    with pytest.raises(ModelFileError, match=match):
        kft.load(str(path))


@pytest.mark.parametrize("keep", [0.5, 0.99, 30 / 1000, 10 / 1000])
def test_truncated_file_is_a_model_file_error(saved_model, tmp_path, keep):
    data = saved_model.read_bytes()
    _write_and_expect_error(tmp_path / "cut.kft", data[: int(len(data) * keep)])


def test_one_byte_short_file_is_a_model_file_error(saved_model, tmp_path):
    _write_and_expect_error(tmp_path / "cut.kft", saved_model.read_bytes()[:-1], match="truncated")


def test_random_bytes_file_is_a_model_file_error(tmp_path):
    _write_and_expect_error(
        tmp_path / "random.kft", random.Random(0).randbytes(4096), match="neither a kofasttext model, a fastText .bin nor"
    )


def test_empty_file_is_a_model_file_error(tmp_path):
    _write_and_expect_error(tmp_path / "empty.kft", b"", match="neither a kofasttext model, a fastText .bin nor")


def test_a_corpus_given_as_a_vectors_file_is_a_model_file_error(tmp_path):
    """A .txt is read as word2vec text (fastText's .vec loads as a model: tests/test_interop.py); a corpus is not one."""
    _write_and_expect_error(tmp_path / "corpus.txt", "영화 정말 재밌다\n배우 연기 최고\n".encode(), match="not a number")


def test_pickle_file_is_a_model_file_error(tmp_path):
    _write_and_expect_error(tmp_path / "m.pkl", pickle.dumps({"words": ["영화"]}))


def test_wrong_format_version_is_a_model_file_error(saved_model, tmp_path):
    data = bytearray(saved_model.read_bytes())
    data[8:12] = struct.pack("<I", modelfile.FORMAT_VERSION + 1)
    _write_and_expect_error(tmp_path / "v2.kft", bytes(data), match="version")


def test_missing_file_is_a_model_file_error(tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        kft.load(str(tmp_path / "nope.kft"))


@pytest.mark.parametrize(
    "old, new",
    [(b'"offset"', b'"offsex"'), (b'"shape"', b'"shapx"'), (b'"dtype"', b'"dtypx"'), (b'"bucket"', b'"buckex"')],
)
def test_damaged_header_key_is_a_model_file_error(saved_model, tmp_path, old, new):
    """A bit flip that renames a header key (same length, so the size check
    passes) must still be reported as a damaged file, not as a KeyError that the
    CLI would show as a traceback."""
    data = saved_model.read_bytes()
    assert old in data
    _write_and_expect_error(tmp_path / "damaged.kft", data.replace(old, new, 1))


def _with_header_length(data: bytes, header_length: int) -> bytes:
    return data[:12] + struct.pack("<Q", header_length) + data[20:]


@pytest.mark.parametrize("header_length", ["size", 1 << 40, 2**64 - 1])
def test_header_length_beyond_the_file_is_a_model_file_error(saved_model, tmp_path, header_length):
    """The 8-byte header length comes from the file: a damaged value must be
    checked against the file size, not handed to read() (which then tries to
    allocate a terabyte, or overflows)."""
    data = saved_model.read_bytes()
    length = len(data) if header_length == "size" else header_length
    _write_and_expect_error(tmp_path / "hl.kft", _with_header_length(data, length))


def test_any_single_bit_flip_in_the_prefix_is_a_model_file_error(saved_model, tmp_path):
    """Magic, version and header length: every one-bit corruption of these 20
    bytes must be reported as a damaged model file (exit 1, one line in the CLI)."""
    data = saved_model.read_bytes()
    path = tmp_path / "flipped.kft"
    wrong = []
    for index in range(20):
        for bit in range(8):
            damaged = bytearray(data)
            damaged[index] ^= 1 << bit
            path.write_bytes(bytes(damaged))
            try:
                kft.load(str(path))
                wrong.append((index, bit, "loaded"))
            except ModelFileError:
                pass
            except Exception as error:  # noqa: BLE001 - the point of the test
                wrong.append((index, bit, type(error).__name__))
    assert wrong == []


def test_save_overwrites_an_existing_model(make_model, tmp_path):
    path = tmp_path / "m.kft"
    make_model(PLANTED).save(str(path))
    other = make_model({"영화": [1.0, 2.0], "좋다": [3.0, 4.0]})
    other.save(str(path))
    assert kft.load(str(path)).words == ["영화", "좋다"]
    assert os.listdir(tmp_path) == ["m.kft"]


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_save_is_atomic(make_model, tmp_path, monkeypatch, failing):
    """A save that fails midway leaves the previous file as it was and no temporary file."""
    path = tmp_path / "m.kft"
    make_model(PLANTED).save(str(path))
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(modelfile.os, failing, boom)
    with pytest.raises(OSError):
        make_model({"영화": [1.0, 2.0], "좋다": [3.0, 4.0]}).save(str(path))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.kft"]
    assert kft.load(str(path)).words == list(PLANTED)


def test_saved_file_has_ordinary_permissions(planted_model, tmp_path):
    """Writing through a temporary file must not leave the model readable only
    by its owner: it should get the permissions any new file gets (0666 & ~umask)."""
    old_umask = os.umask(0o022)
    try:
        path = tmp_path / "m.kft"
        planted_model.save(str(path))
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
