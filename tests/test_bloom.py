"""Bloom hashing (floret's mode): the MurmurHash3 keys, the entries and rows against the ``floret`` package
itself, training with ``table_rows`` / ``hash_count``, compression, and the ``.floret`` export."""

from __future__ import annotations

import floret
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kofasttext as kft
from kofasttext.errors import UsageError
from kofasttext.hangul import jamo_form
from kofasttext.model import Model
from kofasttext.murmurhash import floret_keys
from kofasttext.subwords import SubwordScheme, subword_table
from kofasttext.vocab import Vocabulary

UNSEEN = ["김치찌개", "비바람", "몰랐겠지", "ㅋㅋㅋㅋ"]


def test_floret_keys_are_floret_s_murmurhash():
    # Computed by floret 0.10.5 (its Dictionary::murmurhash: MurmurHash3_x64_128, seed 2166136261).
    assert floret_keys(["<한국어>", "<가>", "<>"], 4).tolist() == [
        [3431370427, 47675278, 3079595024, 3479805534],
        [421031610, 3702755566, 1193655065, 646294116],
        [1589007109, 4078818922, 1712905354, 55617977],
    ]
    assert floret_keys(["<가>"], 2).shape == (1, 2)


@pytest.fixture(scope="module")
def floret_model(tmp_path_factory):
    """A small model trained by the floret package in floret mode: its get_subwords and vectors are the truth."""
    lines = ["한국어 공부 는 재미 있다", "김치 찌개 는 맛있다 정말", "비 가 오고 바람 이 분다", "영화 가 재밌었다 ㅋㅋ"]
    corpus = tmp_path_factory.mktemp("floret") / "corpus.txt"
    corpus.write_text("\n".join(lines * 30) + "\n", encoding="utf-8")
    return floret.train_unsupervised(
        str(corpus),
        mode="floret",
        hashCount=3,
        bucket=997,
        minn=2,
        maxn=4,
        dim=8,
        minCount=1,
        epoch=3,
        t=1.0,
        thread=1,
        verbose=0,
    )


# Any text floret can take as one word: no whitespace or NUL (its reader splits there), no lone surrogates
# (not UTF-8). Long words cross MurmurHash3's 16-byte blocks.
# "</s>" is floret's end-of-line word, which it gives no n-grams (nor do we: it is no word of a model).
floret_words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=30
).filter(lambda word: word != "</s>")


@settings(max_examples=300, deadline=None)
@given(word=floret_words)
def test_entries_and_rows_are_floret_s(floret_model, word):
    scheme = SubwordScheme.create("syllable", 2, 4, 997, hash_count=3)
    nwords = len(floret_model.get_words(include_freq=False))
    entries, ids = floret_model.get_subwords(word)
    assert scheme.ngrams(word) == list(entries)
    assert scheme.bucket_ids(scheme.ngrams(word)).tolist() == (np.asarray(ids) - nwords).tolist()


def test_vectors_are_floret_s_in_direction(floret_model):
    """Our model over floret's own table gives floret's vectors, scaled (floret means the rows, we sum them),
    for unseen words and for vocabulary words -- all but floret's word 0, which floret leaves its own row
    (``Dictionary::initNgrams`` keeps it for the word it takes to be ``</s>``)."""
    words = floret_model.get_words(include_freq=False)
    nwords = len(words)
    scheme = SubwordScheme.create("syllable", 2, 4, 997, hash_count=3)
    offsets, rows = subword_table(words, scheme)
    table = floret_model.get_input_matrix()[nwords:]
    model = Model(
        {**scheme.to_config(), "pretokenizer": {"name": "whitespace"}},
        Vocabulary(words, np.ones(nwords, dtype=np.int64)),
        table,
        None,
        offsets,
        rows,
    )
    for word in [*words[1:], *UNSEEN]:
        ours, theirs = model.get_word_vector(word), floret_model.get_word_vector(word)
        cosine = ours @ theirs / (np.linalg.norm(ours) * np.linalg.norm(theirs))
        assert cosine > 0.99999, word
        n_rows = len(model.input_rows(word))
        np.testing.assert_allclose(ours / n_rows, theirs, rtol=1e-4, atol=1e-6)


def test_jamo_entries_are_the_whole_jamo_word_then_its_ngrams():
    scheme = SubwordScheme.create("jamo", 3, 4, 1000, hash_count=2)
    entries = scheme.ngrams("가")
    assert entries[0] == "<" + jamo_form("가") + ">" and entries[1:] == SubwordScheme.create("jamo", 3, 4).ngrams("가")
    # spaCy (or floret) given the jamo form cuts the same entries: the syllable scheme over that string.
    assert SubwordScheme.create("syllable", 3, 4, 1000, hash_count=2).ngrams(jamo_form("가")) == entries


def test_scheme_options_are_checked():
    for bad in (5, -1, 1.5):
        with pytest.raises(UsageError, match="hash_count must be 1 to 4"):
            SubwordScheme.create("jamo", bucket=100, hash_count=bad)
    scheme = SubwordScheme.create("none", bucket=100, hash_count=2)
    assert scheme.ngrams("김치") == ["<김치>"] and len(scheme.bucket_ids(["<김치>"])) == 2
    assert SubwordScheme.from_config(scheme.to_config()) == scheme
    assert "hash_count" not in SubwordScheme.create("jamo").to_config()  # fastText's layout: configs as before


# -- training --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bloom_model(small_corpus):
    return kft.train(str(small_corpus), dim=16, epoch=2, min_count=2, table_rows=600, hash_count=2, threads=1, progress=False)


def test_a_bloom_model_has_one_table_and_no_word_rows(bloom_model):
    model = bloom_model
    assert model.scheme.bloom and model.config["hash_count"] == 2 and model.config["bucket"] == 600
    assert len(model.input_matrix) == len(model.used_buckets) <= 600
    for word in [*model.words[:20], *UNSEEN]:
        entries, ids = model.get_subwords(word)
        assert len(entries) == len(ids) == 2 * len(model.scheme.ngrams(word))
        assert ids.min() >= 0 and ids.max() < 600
        stored = np.searchsorted(model.used_buckets, ids)
        known = (stored < len(model.used_buckets)) & (model.used_buckets[np.minimum(stored, len(model.used_buckets) - 1)] == ids)
        # A vocabulary word and an unseen one are built alike: the sum of the stored rows of their entries.
        expected = np.asarray(model.input_matrix)[stored[known]].sum(0)
        np.testing.assert_allclose(model.get_word_vector(word), expected, rtol=1e-5, atol=1e-6)
    assert model.most_similar("김치찌개", topn=3)


def test_a_bloom_model_saves_loads_and_compresses(bloom_model, tmp_path):
    path = tmp_path / "bloom.kft"
    bloom_model.save(str(path))
    again = kft.load(str(path))
    assert again.scheme == bloom_model.scheme
    np.testing.assert_array_equal(again.word_vectors(), bloom_model.word_vectors())
    np.testing.assert_array_equal(again.get_word_vector("김치찌개"), bloom_model.get_word_vector("김치찌개"))
    small = kft.compress(again, dtype="float16", progress=False)
    small.save(str(tmp_path / "small.kft"))
    small = kft.load(str(tmp_path / "small.kft"))
    for word in ["김치", *UNSEEN]:
        a, b = small.get_word_vector(word), bloom_model.get_word_vector(word)
        assert a @ b / (np.linalg.norm(a) * np.linalg.norm(b)) > 0.999
    half = kft.compress(again, keep_words=len(again.words) // 2, progress=False)
    # A pruned word becomes an unseen word: the same entries, summed over the rows the kept words still use.
    dropped = again.words[-1]
    _, ids = again.get_subwords(dropped)
    kept_rows = np.isin(again.used_buckets, half.used_buckets)
    expected = sum((np.asarray(again.input_matrix)[r] for r in again.input_rows(dropped) if kept_rows[r]), np.zeros(16))
    assert dropped not in half and np.isin(ids, half.used_buckets).sum() < len(ids)  # some of its rows went
    np.testing.assert_allclose(half.get_word_vector(dropped), expected, rtol=1e-5, atol=1e-6)


def test_bloom_options_are_checked(small_corpus, cli, tmp_path):
    with pytest.raises(UsageError, match="give table_rows too"):
        kft.train(str(small_corpus), hash_count=2, progress=False)
    with pytest.raises(UsageError, match="give one"):
        kft.train(str(small_corpus), table_rows=100, bucket=5000, progress=False)
    out = tmp_path / "m.kft"
    for bad, message in [
        (("--hash-count", "5", "--table-rows", "100"), "invalid choice"),
        (("--hash-count", "2"), "give table_rows too"),
        (("--table-rows", "0"), "positive"),
    ]:
        result = cli("train", small_corpus, "-o", out, "--quiet", *bad)
        assert result.returncode != 0 and message in result.stderr and "Traceback" not in result.stderr
        assert not out.exists()


# -- the .floret export ----------------------------------------------------------------------


def _read_floret(path) -> tuple[list[str], np.ndarray]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split()
    table = np.array([[float(v) for v in line.split()[1:]] for line in lines[1:]], dtype=np.float64)
    assert [int(line.split()[0]) for line in lines[1:]] == list(range(len(lines) - 1))
    return header, table


@pytest.mark.parametrize("subwords", ["syllable", "jamo"])
def test_export_floret_gives_spacy_s_table(subwords, small_corpus, cli, tmp_path):
    model_path, out = tmp_path / "m.kft", tmp_path / "m.floret"
    trained = cli(
        "train", small_corpus, "-o", model_path, "--subwords", subwords, "--dim", "8", "--epoch", "1",
        "--min-count", "2", "--table-rows", "300", "--hash-count", "3", "--threads", "1", "--quiet",
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    result = cli("export", model_path, "-o", out, "--format", "floret")
    assert result.returncode == 0 and "spacy init vectors" in result.stdout
    assert ("jamo_form" in result.stdout) == (subwords == "jamo")
    model = kft.load(str(model_path))
    header, table = _read_floret(out)
    minn, maxn = model.scheme.syllable_range or model.scheme.jamo_range
    assert header == ["300", "8", str(minn), str(maxn), "3", "2166136261", "<", ">"] and table.shape == (300, 8)
    # What spaCy does with the table: hash the query string's entries (the syllable scheme over the string it
    # is given: jamo_form for a jamo model) and take the mean of their rows.
    spacy_side = SubwordScheme.create("syllable", minn, maxn, 300, hash_count=3)
    for word in [*model.words[:10], *UNSEEN]:
        query = jamo_form(word) if subwords == "jamo" else word
        theirs = table[spacy_side.bucket_ids(spacy_side.ngrams(query))].mean(0)
        ours = model.get_word_vector(word)
        assert ours @ theirs / (np.linalg.norm(ours) * np.linalg.norm(theirs)) >= 0.9999, word


def test_export_floret_refuses_what_spacy_cannot_load(small_corpus, cli, tmp_path, bloom_model):
    one = kft.train(str(small_corpus), subwords="syllable", minn=1, maxn=3, dim=8, epoch=1, min_count=2,
                    table_rows=100, threads=1, progress=False)  # fmt: skip
    hybrid = kft.train(str(small_corpus), subwords="hybrid", dim=8, epoch=1, min_count=2,
                       table_rows=100, threads=1, progress=False)  # fmt: skip
    for model, message in [(one, "minn 1"), (hybrid, "a hybrid model cannot be a .floret table")]:
        with pytest.raises(UsageError, match=message):
            model.save_floret(str(tmp_path / "x.floret"))
    with pytest.raises(UsageError, match="cannot be a fastText .bin"):
        bloom_model.save_fasttext(str(tmp_path / "x.bin"))
    assert not list(tmp_path.glob("x.*"))


def test_a_bloom_model_starts_a_text_classifier(bloom_model, tmp_path):
    from conftest import FOOD, WEATHER

    from kofasttext import TextClassifier

    texts, labels = [f"{FOOD[0]} {FOOD[1]}", f"{WEATHER[0]} {WEATHER[1]}"] * 20, ["음식", "날씨"] * 20
    clf = TextClassifier(bloom_model, epochs=20, batch_size=8, lr=1e-2, holdout=0).fit(texts, labels, progress=False)
    assert clf.predict([f"{FOOD[0]} {FOOD[1]}", f"{WEATHER[0]} {WEATHER[1]}"]) == ["음식", "날씨"]
    clf.save(str(tmp_path / "c.clf"))
    assert TextClassifier.load(str(tmp_path / "c.clf")).predict([f"{FOOD[0]} {FOOD[1]}"]) == ["음식"]
