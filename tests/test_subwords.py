"""Subword schemes, n-gram enumeration and fastText's hash (kofasttext.subwords)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kofasttext import UsageError
from kofasttext.hangul import JONG_FILLER
from kofasttext.subwords import (
    SubwordScheme,
    char_ngram_buckets,
    char_ngrams,
    fasttext_hash,
    fasttext_hash_many,
    subword_table,
)

F = JONG_FILLER

# GOLDEN VALUES. Produced once with the real fastText, fasttext 0.9.3 (Python
# bindings), ``model.get_subwords(word)`` on an unsupervised skip-gram model trained
# with minn=2, maxn=4, bucket=2_000_000, minCount=1 on a tiny file that contains
# none of these words (so get_subwords lists only n-grams); the ids printed here
# are fastText's ids minus ``len(model.words)``, i.e. ``hash % bucket``.
# fastText sign-extends every UTF-8 byte (``uint32(int8(b))``) before the FNV-1a
# xor; every byte of a Hangul syllable is >= 0x80, so these values differ from a
# plain FNV-1a for every Korean n-gram (see test_plain_fnv1a_differs_for_hangul).
GOLDEN_SUBWORDS = {
    '한국': [
        ('<한', 820907), ('<한국', 1124397), ('<한국>', 1658345), ('한국', 1725635), ('한국>', 1649607),
        ('국>', 1787587),
    ],
    '몰랐다': [
        ('<몰', 769146), ('<몰랐', 382165), ('<몰랐다', 1187365), ('몰랐', 1561031), ('몰랐다', 100347),
        ('몰랐다>', 511263), ('랐다', 954866), ('랐다>', 701092), ('다>', 1596113),
    ],
    '모르겠니': [
        ('<모', 106290), ('<모르', 636010), ('<모르겠', 198050), ('모르', 1222896), ('모르겠', 992156),
        ('모르겠니', 225910), ('르겠', 409225), ('르겠니', 813), ('르겠니>', 1759081), ('겠니', 114127),
        ('겠니>', 724067), ('니>', 942605),
    ],
    '재미있었겠네': [
        ('<재', 544167), ('<재미', 1734987), ('<재미있', 343307), ('재미', 1295769), ('재미있', 110001),
        ('재미있었', 1966344), ('미있', 825125), ('미있었', 1880052), ('미있었겠', 86440), ('있었', 336340),
        ('있었겠', 250504), ('있었겠네', 1009529), ('었겠', 1453896), ('었겠네', 650425), ('었겠네>', 1976069),
        ('겠네', 742124), ('겠네>', 945558), ('네>', 1195356),
    ],
    '맛있다': [
        ('<맛', 209002), ('<맛있', 1230180), ('<맛있다', 1221234), ('맛있', 70766), ('맛있다', 1623112),
        ('맛있다>', 718914), ('있다', 666613), ('있다>', 1856273), ('다>', 1596113),
    ],
    '영화': [
        ('<영', 1024738), ('<영화', 1271304), ('<영화>', 1934978), ('영화', 533442), ('영화>', 1854388),
        ('화>', 1773633),
    ],
    '최고!!': [
        ('<최', 813972), ('<최고', 1695473), ('<최고!', 1071600), ('최고', 1670931), ('최고!', 1790518),
        ('최고!!', 1841589), ('고!', 1359213), ('고!!', 1658148), ('고!!>', 1849070), ('!!', 1604535),
        ('!!>', 347947), ('!>', 1492630),
    ],
    'ㅋㅋㅋ': [
        ('<ㅋ', 440308), ('<ㅋㅋ', 405505), ('<ㅋㅋㅋ', 1418998), ('ㅋㅋ', 1750211), ('ㅋㅋㅋ', 606620),
        ('ㅋㅋㅋ>', 393094), ('ㅋㅋ', 1750211), ('ㅋㅋ>', 22215), ('ㅋ>', 581740),
    ],
    '서울에서': [
        ('<서', 884141), ('<서울', 1329705), ('<서울에', 842776), ('서울', 921495), ('서울에', 28630),
        ('서울에서', 1559750), ('울에', 199120), ('울에서', 760612), ('울에서>', 1742702), ('에서', 1060432),
        ('에서>', 708906), ('서>', 1845719),
    ],
    '먹었겠지': [
        ('<먹', 1387619), ('<먹었', 1864066), ('<먹었겠', 259386), ('먹었', 1701420), ('먹었겠', 271712),
        ('먹었겠지', 245499), ('었겠', 1453896), ('었겠지', 607363), ('었겠지>', 1912071), ('겠지', 539398),
        ('겠지>', 825896), ('지>', 422326),
    ],
    '가': [
        ('<가', 647979), ('<가>', 65039), ('가>', 1021745),
    ],
    '대한민국': [
        ('<대', 1693980), ('<대한', 1202682), ('<대한민', 885800), ('대한', 1503232), ('대한민', 153778),
        ('대한민국', 681758), ('한민', 1077661), ('한민국', 750199), ('한민국>', 1606763), ('민국', 1532827),
        ('민국>', 1843647), ('국>', 1787587),
    ],
    '3D영화': [
        ('<3', 779224), ('<3D', 1032340), ('<3D영', 329731), ('3D', 690802), ('3D영', 1511685),
        ('3D영화', 739877), ('D영', 1477994), ('D영화', 1552512), ('D영화>', 763290), ('영화', 533442),
        ('영화>', 1854388), ('화>', 1773633),
    ],
}

#: Full 32-bit hashes, recovered (Chinese remainder theorem) from the ids fastText
#: 0.9.3 gave for these n-grams with bucket=2_000_000 and bucket=1_999_993.
GOLDEN_HASHES = {
    "<한국": 2209124397,
    "한국": 1801725635,
    "ㅋㅋ": 3751750211,
    "!!": 2361604535,
    "D영": 3161477994,
    "ab": 1294271946,
    "<가>": 2790065039,
    "재미있": 2462110001,
    "겠네>": 4250945558,
    "": 2166136261,  # the FNV offset basis: nothing hashed
}

GOLDEN_SCHEME = SubwordScheme.create("syllable", minn=2, maxn=4, bucket=2_000_000)


def plain_fnv1a(text: str) -> int:
    h = 2166136261
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
    return h


# -- hash ----------------------------------------------------------------------
@pytest.mark.parametrize("word", sorted(GOLDEN_SUBWORDS))
def test_syllable_ngrams_and_buckets_match_fasttext(word):
    ngrams = GOLDEN_SCHEME.ngrams(word)
    ids = GOLDEN_SCHEME.bucket_ids(ngrams)
    assert list(zip(ngrams, ids.tolist())) == GOLDEN_SUBWORDS[word]


def test_golden_words_cover_the_issue_list():
    assert len(GOLDEN_SUBWORDS) >= 12
    # ㅋㅋㅋ has the n-gram ㅋㅋ twice: duplicates are kept, as in fastText.
    assert [g for g, _ in GOLDEN_SUBWORDS["ㅋㅋㅋ"]].count("ㅋㅋ") == 2


@pytest.mark.parametrize("text", sorted(GOLDEN_HASHES))
def test_fasttext_hash_golden(text):
    assert fasttext_hash(text) == GOLDEN_HASHES[text]
    assert fasttext_hash_many([text]).tolist() == [GOLDEN_HASHES[text]]


def test_plain_fnv1a_differs_for_hangul_but_not_ascii():
    """Why the sign extension matters: without it every Korean row id is wrong."""
    for text in ("한국", "<한국", "ㅋㅋ", "재미있"):
        assert fasttext_hash(text) != plain_fnv1a(text)
    for text in ("ab", "!!", ""):
        assert fasttext_hash(text) == plain_fnv1a(text)


@settings(deadline=None)  # a busy 2-core CI machine must not make this flaky
@given(st.lists(st.text(max_size=12), max_size=20))
def test_fasttext_hash_many_equals_scalar_hash(texts):
    many = fasttext_hash_many(texts)
    assert many.dtype == np.uint32
    assert many.tolist() == [fasttext_hash(t) for t in texts]


@settings(deadline=None)
@given(
    st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10), max_size=20),
    st.integers(1, 4),
    st.integers(0, 4),
    st.sampled_from([1, 7, 2_000_000]),
)
def test_char_ngram_buckets_equal_the_ngrams_hashed_one_by_one(texts, minn, extra_length, bucket):
    # Any code point (1- to 4-byte UTF-8), minn 1 (the "<" and ">" rule), texts of every length.
    maxn = minn + extra_length
    counts, buckets = char_ngram_buckets(texts, minn, maxn, bucket)
    expected = [[fasttext_hash(g) % bucket for g in char_ngrams(t, minn, maxn)] for t in texts]
    assert counts.tolist() == [len(e) for e in expected]
    assert buckets.tolist() == [b for e in expected for b in e]


def test_char_ngram_buckets_in_chunks_equal_one_pass(monkeypatch):
    from kofasttext import subwords

    texts = ["영화", "재미있었겠네", "", "ㅋㅋㅋ", "3D영화"] * 5
    whole = char_ngram_buckets(texts, 2, 4, 997)
    monkeypatch.setattr(subwords, "_HASH_CHUNK", 3)
    chunked = char_ngram_buckets(texts, 2, 4, 997)
    assert [a.tolist() for a in whole] == [a.tolist() for a in chunked]


# -- n-gram enumeration ---------------------------------------------------------
def test_syllable_ngrams_of_a_short_word_by_hand():
    assert char_ngrams("한국어", 1, 3) == ["<한", "<한국", "한", "한국", "한국어", "국", "국어", "국어>", "어", "어>"]
    scheme = SubwordScheme.create("syllable", minn=1, maxn=3, bucket=1000)
    grams = scheme.ngrams("한국어")
    assert grams == char_ngrams("한국어", 1, 3)
    # fastText never uses the bare boundary markers as 1-grams.
    assert "<" not in grams and ">" not in grams
    assert SubwordScheme.create("syllable", minn=2, maxn=2, bucket=1000).ngrams("한국어") == ["<한", "한국", "국어", "어>"]


def test_jamo_ngrams_by_hand():
    scheme = SubwordScheme.create("jamo", minn=3, maxn=3, bucket=1000)
    # 가 -> < ᄀ ᅡ FILLER >
    assert scheme.ngrams("가") == ["<\u1100\u1161", "\u1100\u1161" + F, "\u1161" + F + ">"]
    # 몰라 -> < ᄆ ᅩ ᆯ ᄅ ᅡ FILLER >
    assert scheme.ngrams("몰라") == [
        "<\u1106\u1169",
        "\u1106\u1169\u11af",
        "\u1169\u11af\u1105",
        "\u11af\u1105\u1161",
        "\u1105\u1161" + F,
        "\u1161" + F + ">",
    ]


def test_jamo_scheme_keeps_non_hangul_characters():
    scheme = SubwordScheme.create("jamo", minn=3, maxn=3, bucket=1000)
    assert scheme.ngrams("ㅋㅋ") == ["<ㅋㅋ", "ㅋㅋ>"]
    assert scheme.ngrams("ab") == ["<ab", "ab>"]


def test_hybrid_is_syllable_ngrams_plus_new_jamo_ngrams():
    hybrid = SubwordScheme.create("hybrid", minn=(2, 3), maxn=(4, 3), bucket=1000)
    syllable = SubwordScheme.create("syllable", minn=2, maxn=4, bucket=1000)
    jamo = SubwordScheme.create("jamo", minn=3, maxn=3, bucket=1000)
    for word in ("가", "몰라", "재미있었겠네"):
        syl = syllable.ngrams(word)
        assert hybrid.ngrams(word) == syl + [g for g in jamo.ngrams(word) if g not in set(syl)]
    assert hybrid.ngrams("가") == ["<가", "<가>", "가>", "<\u1100\u1161", "\u1100\u1161" + F, "\u1161" + F + ">"]


def test_hybrid_has_no_duplicates_for_non_hangul_word():
    """For 'abc' every jamo n-gram is also a syllable n-gram; it must not be
    listed (and so summed) twice."""
    hybrid = SubwordScheme.create("hybrid", minn=(2, 3), maxn=(4, 3), bucket=1000)
    grams = hybrid.ngrams("abc")
    assert grams == ["<a", "<ab", "<abc", "ab", "abc", "abc>", "bc", "bc>", "c>"]
    assert len(grams) == len(set(grams))


def test_none_scheme_has_no_ngrams():
    scheme = SubwordScheme.create("none")
    assert scheme.ngrams("몰랐다") == []
    assert scheme.bucket_ids([]).shape == (0,)


def test_default_ranges():
    assert SubwordScheme.create("syllable").syllable_range == (2, 4)
    assert SubwordScheme.create("jamo").jamo_range == (3, 6)
    hybrid = SubwordScheme.create("hybrid")
    assert (hybrid.syllable_range, hybrid.jamo_range) == ((2, 4), (3, 6))


@pytest.mark.parametrize("name", ["syllable", "jamo", "hybrid", "none"])
def test_config_round_trip(name):
    scheme = SubwordScheme.create(name, bucket=5000)
    assert SubwordScheme.from_config(scheme.to_config()) == scheme


# -- option errors ----------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(name="foo"),
        dict(name="Jamo"),
        dict(name="syllable", minn=4, maxn=2),
        dict(name="jamo", minn=7, maxn=6),
        dict(name="hybrid", minn=(2, 5), maxn=(4, 4)),
        dict(name="syllable", minn=(2, 3), maxn=(4, 6)),
        dict(name="jamo", minn=3, maxn=(4, 6)),
        dict(name="hybrid", minn=2, maxn=(4, 6)),
        dict(name="syllable", minn=0, maxn=2),
        dict(name="jamo", bucket=0),
    ],
)
def test_create_rejects_bad_options(kwargs):
    with pytest.raises(UsageError) as info:
        SubwordScheme.create(**kwargs)
    assert str(info.value)  # a message the CLI can print


# -- subword table -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["syllable", "jamo", "hybrid", "none"])
def test_subword_table_rows(name):
    words = ["영화", "재미있었겠네", "ㅋㅋㅋ", "가", "3D영화", "!!"]
    scheme = SubwordScheme.create(name, bucket=997)
    offsets, rows = subword_table(words, scheme)
    nwords = len(words)
    assert offsets.shape == (nwords + 1,) and offsets[0] == 0 and offsets[-1] == len(rows)
    for i, word in enumerate(words):
        own = rows[offsets[i] : offsets[i + 1]]
        assert own[0] == i
        ngrams = scheme.ngrams(word)
        expected = nwords + scheme.bucket_ids(ngrams)
        assert own[1:].tolist() == expected.tolist()
        # and independently of the vectorised hash:
        assert own[1:].tolist() == [nwords + fasttext_hash(g) % 997 for g in ngrams]
