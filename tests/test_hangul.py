"""Hangul normalisation and syllable <-> jamo arithmetic (kofasttext.hangul)."""

from __future__ import annotations

import unicodedata

import jamo
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kofasttext.hangul import JONG_FILLER, from_jamo, is_syllable, normalize, to_jamo
from kofasttext.pretokenizers import split_words

ALL_SYLLABLES = [chr(cp) for cp in range(0xAC00, 0xD7A4)]

#: Text that is mostly Hangul (syllables, conjoining and compatibility jamo) mixed
#: with ASCII, punctuation and the filler, so that the interesting cases of the
#: decomposition are hit far more often than with uniform Unicode.
hangulish = st.text(
    st.one_of(
        st.sampled_from(ALL_SYLLABLES),
        st.characters(min_codepoint=0x1100, max_codepoint=0x11FF),  # conjoining jamo
        st.characters(min_codepoint=0x3131, max_codepoint=0x318E),  # compatibility jamo
        st.sampled_from([JONG_FILLER, "\ufdef", " ", "!", "a", "3", "\x00", "\u0301"]),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), hangulish))
def test_from_jamo_inverts_to_jamo_on_normalised_text(s):
    t = normalize(s)
    assert from_jamo(to_jamo(t)) == t


@settings(deadline=None)
@given(st.text().map(lambda s: "".join(c for c in s if not is_syllable(c))))
def test_to_jamo_leaves_non_syllables_unchanged(s):
    out = to_jamo(s)
    assert len(out) == len(s)
    for before, after in zip(s, out):
        assert before == after


def test_to_jamo_keeps_surrounding_characters_in_place():
    assert to_jamo("a가b!") == "a" + "\u1100\u1161" + JONG_FILLER + "b!"


@pytest.mark.parametrize(
    "sentence",
    ["몰랐겠지 ㅠㅠ 진짜 재밌었다!!", "서울에서 먹었겠지? 3D영화 최고", "각 낛 힣 가나다라", "한국어 텍스트 café"],
)
def test_nfd_sentence_gives_the_same_words_as_nfc(sentence):
    """macOS file names and some web text are NFD: 몰 is then three code points."""
    nfd = unicodedata.normalize("NFD", sentence)
    assert nfd != sentence  # the test would be vacuous otherwise
    assert split_words(nfd) == split_words(unicodedata.normalize("NFC", sentence))
    assert split_words(nfd) == split_words(sentence)


@settings(deadline=None)
@given(st.one_of(st.text(), hangulish))
def test_nfd_and_nfc_give_the_same_words_for_any_text(s):
    assert split_words(unicodedata.normalize("NFD", s)) == split_words(unicodedata.normalize("NFC", s))


def test_compatibility_jamo_are_kept_as_characters():
    """ㅋㅋ / ㅠㅠ are typed as compatibility jamo; NFKC would turn them into
    conjoining jamo and then compose them, which must not happen."""
    text = "ㅋㅋㅋ ㅠㅠ ㅎㅎ"
    assert normalize(text) == text
    assert to_jamo(text) == text
    assert [ord(c) for c in normalize("ㅋ")] == [0x314B]
    assert split_words("최고!!ㅋㅋ ㅠㅠ") == ["최고", "!!", "ㅋㅋ", "ㅠㅠ"]


def test_every_syllable_agrees_with_the_jamo_package():
    """jamo.h2j gives conjoining jamo: 2 of them for a syllable without final,
    3 with one; ours adds JONG_FILLER in place of the missing final."""
    mismatches = []
    for syllable in ALL_SYLLABLES:
        reference = jamo.h2j(syllable)
        assert len(reference) in (2, 3)
        expected = reference if len(reference) == 3 else reference + JONG_FILLER
        ours = to_jamo(syllable)
        if ours != expected or from_jamo(ours) != syllable:
            mismatches.append(syllable)
    assert mismatches == []
    assert len(ALL_SYLLABLES) == 11172


def test_decomposition_of_known_syllables():
    assert to_jamo("가") == "\u1100\u1161" + JONG_FILLER
    assert to_jamo("몰") == "\u1106\u1169\u11af"
    assert to_jamo("힣") == "\u1112\u1175\u11c2"
    assert len(to_jamo("모르다")) == 9


def test_from_jamo_leaves_incomplete_sequences_alone():
    # A choseong + jungseong without final or filler is not one of our triples.
    assert from_jamo("\u1100\u1161") == "\u1100\u1161"
    # U+11A7 sits at jongseong index 0 ("no final") but is not a final consonant.
    assert from_jamo("\u1100\u1161\u11a7") == "\u1100\u1161\u11a7"


@pytest.mark.parametrize("nonchar", [JONG_FILLER, "\ufdd5", "\ufdef"])
def test_filler_noncharacter_in_input_is_replaced(nonchar):
    """The filler is reserved for decomposed text; input containing it must not
    be confused with a syllable that has no final consonant."""
    t = normalize("가" + nonchar + "나")
    assert JONG_FILLER not in t and nonchar not in t
    assert t == "가\ufffd나"
    assert from_jamo(to_jamo(t)) == t
    # A typed filler after a syllable with a final: without the replacement the
    # decomposed text would read as a different syllable sequence.
    typed = normalize("각" + JONG_FILLER)
    assert from_jamo(to_jamo(typed)) == typed == "각\ufffd"


def test_normalize_composes_nfd_hangul():
    assert normalize(unicodedata.normalize("NFD", "몰랐다")) == "몰랐다"


def test_is_syllable_boundaries():
    assert is_syllable("가") and is_syllable("힣")
    assert not is_syllable("\uabff") and not is_syllable("\ud7a4")
    assert not is_syllable("ㅋ") and not is_syllable("\u1100")
