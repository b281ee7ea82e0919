"""Fuzzing with hypothesis: damaged files and hostile text never crash, hang or allocate without bound.

* The readers of kofasttext's files (`kft.load` for models, `TextClassifier.load`, the corpus cache's
  `load_cache`) and of fastText ``.bin`` files, given real files cut short and with bytes flipped, either load
  (and then answer queries) or raise one `ModelFileError` (the cache: give None, so that it is rebuilt). The
  memory a load may take is capped (RLIMIT_AS is not used: torch and numpy reserve address space; instead every
  size a header gives is bounded by the file's size, and a test plants huge sizes in real headers).
* Every pretokeniser and subword scheme, on arbitrary Unicode (lone surrogates, combining marks, lone jamo, NFD
  Hangul, right-to-left text, emoji, noncharacters) returns without error, gives words without whitespace, and
  gives the same answer for a text and its NFC form; a 1 MB text goes through each.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from conftest import PLANTED, SMALL_LINES, build_model, topic_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kofasttext as kft
from kofasttext import pretokenizers
from kofasttext.compression import compress
from kofasttext.corpus import encode_corpus
from kofasttext.corpus.cache import cache_key, load_cache
from kofasttext.corpus.encode import MAX_DISTINCT_WORDS
from kofasttext.errors import ModelFileError
from kofasttext.hangul import JONG_FILLER, normalize
from kofasttext.interop.fasttext_bin import read_fasttext
from kofasttext.modelfile import read_model_file
from kofasttext.subwords import SubwordScheme

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def real_files(tmp_path_factory) -> dict[str, bytes]:
    """The bytes of one real file of each kind, small enough to rewrite per example."""
    folder = tmp_path_factory.mktemp("real")
    small = build_model(PLANTED, ngram_rows="random")
    small.save(str(folder / "small.kft"))
    small.save_fasttext(str(folder / "small.bin"))
    compress(small, pq_subvectors=4, keep_words=6, progress=False).save(str(folder / "small_pq.kft"))
    compress(small, dtype="float16", progress=False).save(str(folder / "small_f16.kft"))
    corpus = folder / "corpus.txt"
    lines = topic_lines(200)
    corpus.write_text("\n".join(lines * (1200 * 1024 // len("\n".join(lines).encode()) + 1)) + "\n", encoding="utf-8")
    cache = encode_corpus(str(corpus), min_count=1).cache_path
    files = {name: (folder / name).read_bytes() for name in ("small.kft", "small.bin", "small_pq.kft", "small_f16.kft")}
    files["demo_jamo.kft"] = (FIXTURES / "demo_jamo.kft").read_bytes()
    files["demo_ppmi.kft"] = (FIXTURES / "demo_ppmi.kft").read_bytes()
    files["demo_syllable.clf"] = (FIXTURES / "demo_syllable.clf").read_bytes()
    files["cache"] = Path(cache).read_bytes()
    files["cache_key"] = json.dumps(cache_key(str(corpus), None, 1, MAX_DISTINCT_WORDS, pretokenizers.create("whitespace")))
    return files


@st.composite
def damage(draw, size: int):
    """``(cut, flips)``: a length to cut the file to (or None), and ``(position, bit mask)`` pairs to xor.
    Flips favour the first 4 KB, where the header and the tables' starts are."""
    cut = draw(st.one_of(st.none(), st.integers(0, max(size - 1, 0))))
    near = st.integers(0, min(size, 4096) - 1)
    anywhere = st.integers(0, size - 1)
    flips = draw(st.lists(st.tuples(st.one_of(near, anywhere), st.sampled_from([1, 2, 4, 8, 16, 32, 64, 128, 255])),
                          max_size=4))
    return cut, flips


def damaged(data: bytes, cut, flips) -> bytes:
    buffer = bytearray(data)
    for position, mask in flips:
        buffer[position] ^= mask
    return bytes(buffer if cut is None else buffer[:cut])


def _write(data: bytes, name: str) -> str:
    folder = tempfile.mkdtemp(prefix="kft-fuzz-")
    path = os.path.join(folder, name)
    with open(path, "wb") as out:
        out.write(data)
    return path


def _exercise_model(model) -> None:
    """What a loaded model must then do without error (values may be anything a flipped bit made them)."""
    with np.errstate(all="ignore"):
        for word in (model.words[0], "몰랐겠지", "zzz"):
            assert model.get_word_vector(word).shape == (model.dim,)
        model.word_vectors()
        model.most_similar(model.words[0], topn=2)


def _load_or_model_file_error(path: str, load, exercise) -> None:
    try:
        loaded = load(path)
    except ModelFileError as error:
        assert "\n" not in str(error)
        return
    exercise(loaded)


@pytest.mark.parametrize("name", ["small.kft", "small_pq.kft", "small_f16.kft", "demo_jamo.kft", "demo_ppmi.kft", "small.bin"])
def test_damaged_models_load_or_raise_model_file_error(real_files, name):
    data = real_files[name]

    @FUZZ
    @given(damage(len(data)))
    def check(change):
        path = _write(damaged(data, *change), name)
        try:
            _load_or_model_file_error(path, kft.load, _exercise_model)
        finally:
            shutil.rmtree(os.path.dirname(path))

    check()


def test_damaged_classifiers_load_or_raise_model_file_error(real_files):
    data = real_files["demo_syllable.clf"]

    @settings(FUZZ, max_examples=40)
    @given(damage(len(data)))
    def check(change):
        path = _write(damaged(data, *change), "c.clf")
        try:
            _load_or_model_file_error(path, kft.TextClassifier.load, lambda c: c.predict(["정말 재밌다", "ㅋㅋ"]))
        finally:
            shutil.rmtree(os.path.dirname(path))

    check()


def test_damaged_corpus_caches_load_or_are_refused(real_files):
    """A damaged cache is never an error: `load_cache` gives None (rebuild it) or arrays that index the vocabulary."""
    data, key = real_files["cache"], json.loads(real_files["cache_key"])

    @settings(FUZZ, max_examples=40)
    @given(damage(len(data)))
    def check(change):
        path = _write(damaged(data, *change), "c.kftcache")
        try:
            hit = load_cache(path, key)
            if hit is not None:
                tokens, line_starts, vocab, _ = hit
                assert len(tokens) == 0 or 0 <= int(tokens.min()) and int(tokens.max()) < len(vocab)
                assert int(line_starts[-1]) == len(tokens)
        finally:
            shutil.rmtree(os.path.dirname(path))

    check()


def _with_header(data: bytes, edit) -> bytes:
    """``data`` (a kofasttext file) with its JSON header changed by ``edit(header)``, laid out again."""
    length = struct.unpack_from("<Q", data, 12)[0]
    header = json.loads(data[20 : 20 + length])
    edit(header)
    text = json.dumps(header, ensure_ascii=False).encode()
    first = min(spec["offset"] for spec in header["arrays"].values())
    assert 20 + len(text) <= first
    return data[:12] + struct.pack("<Q", len(text)) + text + b" " * (first - 20 - len(text)) + data[first:]


HUGE = [2**62, 2**63 - 1, 2**64 + 5, 10**30]


@pytest.mark.parametrize("huge", HUGE)
def test_huge_sizes_in_a_header_are_refused_before_anything_is_allocated(real_files, huge, tmp_path):
    """Shapes whose product overflows int64 (and would wrap to a small number in numpy) or exceeds the file."""
    data = real_files["small.kft"]
    cases = {
        "shape": lambda h: h["arrays"]["input_matrix"].update(shape=[huge, huge]),
        "empty shape": lambda h: h["arrays"]["input_matrix"].update(shape=[0, huge]),
        "offset": lambda h: h["arrays"]["counts"].update(offset=huge),
        "float size": lambda h: h["arrays"]["counts"].update(shape=[float(huge)]),
    }
    for what, edit in cases.items():
        path = tmp_path / f"{what}.kft"
        path.write_bytes(_with_header(data, edit))
        with pytest.raises(ModelFileError, match="damaged"):
            read_model_file(str(path))


def test_a_header_nested_too_deep_for_the_json_parser_is_damage(real_files, tmp_path):
    nested = b"[" * 100_000 + b"]" * 100_000
    path = tmp_path / "nested.kft"
    path.write_bytes(real_files["small.kft"][:12] + struct.pack("<Q", len(nested)) + nested)
    with pytest.raises(ModelFileError, match="header cannot be read"):
        read_model_file(str(path))


def test_half_a_surrogate_pair_in_a_header_is_damage(real_files, tmp_path):
    """A JSON escape such as \\udc28 (one hex digit of \\uc11c changed) reads as half of a surrogate pair, which no
    text holds: refused as damage on load, not as a UnicodeEncodeError when the word is first hashed."""
    data = real_files["small.kft"]
    cases = {
        "word": lambda h: h["words"].__setitem__(0, "QQQQQQ" + h["words"][0]),
        "config": lambda h: h["config"].update(corpus="QQQQQQ.txt"),
    }
    for what, edit in cases.items():
        path = tmp_path / f"{what}.kft"
        path.write_bytes(_with_header(data, edit).replace(b"QQQQQQ", b"\\udc28", 1))  # the same length
        with pytest.raises(ModelFileError, match="header cannot be read"):
            read_model_file(str(path))


def test_a_fasttext_header_cannot_ask_for_more_than_the_file_holds(real_files, tmp_path):
    """The dictionary size and the matrix sizes of a .bin are bounded by the file before arrays are made."""
    data = bytearray(real_files["small.bin"])
    dictionary = 8 + 12 * 4 + 8  # magic, version, 12 int32 arguments and the float64 t
    for size in (2**31 - 1, 2**30):
        struct.pack_into("<3i", data, dictionary, size, size, 0)
        path = tmp_path / f"size{size}.bin"
        path.write_bytes(bytes(data))
        with pytest.raises(ModelFileError, match="truncated or damaged"):
            read_fasttext(str(path))


# -- text ----------------------------------------------------------------------------------------------------
#: Characters that break naive text code, mixed into hypothesis' arbitrary text (lone surrogates included).
HOSTILE = [
    "\ud800", "\udfff", "\u0301", "\u0308\u0301", "\u1100", "\u1161", "\u11a8", "\u3131", "\u314f",
    unicodedata.normalize("NFD", "몰랐다"), "\u05e9\u05dc\u05d5\u05dd", "\u0645\u0631\u062d\u0628\u0627", "\u202e",
    "\U0001f600", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\ufeff", "\x00", "\ufdd0", JONG_FILLER, "\uffff",
    "<", ">", " ", "\t", "\n", "\u3000", "\u200b",
]
TEXT = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(st.characters(blacklist_categories=()), max_size=8)),
                max_size=12).map("".join)
SCHEMES = [
    SubwordScheme.create("syllable", 2, 4, 2_000_000),
    SubwordScheme.create("jamo", 3, 6, 2_000_000),
    SubwordScheme.create("hybrid", (2, 3), (4, 6), 2_000_000),
    SubwordScheme.create("none"),
    SubwordScheme.create("jamo", 3, 6, 50_000, hash_count=2),
]


@pytest.fixture(scope="module")
def all_pretokenizers():
    lines = topic_lines(200) + list(SMALL_LINES) * 10
    splitters = [pretokenizers.create(spec, workers=1) for spec in ("whitespace", "kiwi", "kiwi:join,tags")]
    splitters.append(pretokenizers.create("sentencepiece:vocab=200", workers=1).fit(iter(lines), seed=0))
    return splitters


def test_pretokenizers_take_any_text_and_are_stable_under_nfc(all_pretokenizers):
    @settings(FUZZ, max_examples=80)
    @given(TEXT)
    def check(text):
        for splitter in all_pretokenizers:
            words = splitter.split(text)
            assert all(word and not any(c.isspace() for c in word) for word in words), (splitter.spec, words)
            assert splitter.split(unicodedata.normalize("NFC", text)) == words, splitter.spec

    check()


def test_subword_schemes_take_any_word_and_are_stable_under_nfc(planted_model):
    @settings(FUZZ, max_examples=150)
    @given(TEXT)
    def check(word):
        for scheme in SCHEMES:  # a scheme takes normalised words (`Model.get_subwords` normalises)
            grams = scheme.ngrams(normalize(word))
            assert scheme.bucket_ids(grams).shape[0] == len(grams) * max(scheme.hash_count, 1)
        subwords, rows = planted_model.get_subwords(word)
        again, rows_again = planted_model.get_subwords(unicodedata.normalize("NFC", word))
        assert subwords == again and np.array_equal(rows, rows_again)
        assert planted_model.get_word_vector(word).shape == (planted_model.dim,)

    check()


def test_a_megabyte_of_hostile_text_goes_through_every_pretokenizer_and_scheme(all_pretokenizers):
    pieces = [*HOSTILE, "몰랐겠지", "영화가", "재밌다 ㅋㅋ", "abc", "123"]
    rng = np.random.default_rng(0)
    text = "".join(pieces[i] for i in rng.integers(0, len(pieces), 200_000))
    while len(text.encode("utf-8", "surrogatepass")) < 1 << 20:
        text += text[: 1 << 16]
    for splitter in all_pretokenizers:
        words = splitter.split(text)
        assert words and all(not any(c.isspace() for c in word) for word in words), splitter.spec
    words = all_pretokenizers[0].split(text)
    for scheme in SCHEMES:  # the words come normalised from the pretokeniser
        assert sum(len(scheme.ngrams(word)) for word in set(words)) > 0 or scheme.name == "none"
