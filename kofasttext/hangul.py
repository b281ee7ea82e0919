"""Hangul text handling: normalisation and syllable <-> jamo arithmetic (the only place that does it).

Every Hangul syllable U+AC00..U+D7A3 is ``0xAC00 + (cho * 21 + jung) * 28 + jong``
(Unicode ch. 3.12). We keep this arithmetic local instead of calling the ``jamo``
package because the jamo scheme needs a filler symbol for an empty jongseong,
which ``jamo`` does not have, and because one ``str.translate`` table is the
fastest way to decompose a whole vocabulary. ``tests/test_hangul.py`` checks the
table against ``jamo.h2j`` for all 11,172 syllables.

Decomposed text uses the *conjoining* jamo blocks (choseong U+1100.., jungseong
U+1161.., jongseong U+11A8..), so an initial ㄱ and a final ㄱ are different
symbols, and neither can be confused with the compatibility jamo (ㅋㅋ, ㅠㅠ)
that people type, which pass through unchanged like every non-Hangul character.
"""

from __future__ import annotations

import re
import unicodedata

SYLLABLE_FIRST = 0xAC00
SYLLABLE_LAST = 0xD7A3
CHOSEONG_FIRST = 0x1100  # 19 initial consonants
JUNGSEONG_FIRST = 0x1161  # 21 vowels
JONGSEONG_FIRST = 0x11A7  # 27 final consonants start at +1; index 0 means "none"
N_CHO, N_JUNG, N_JONG = 19, 21, 28

#: Written in place of an empty jongseong so that every syllable becomes exactly
#: three symbols (가 -> ᄀ ᅡ FILLER). U+FDD0 is a Unicode *noncharacter*, reserved
#: for internal use and never meant to appear in text; `normalize` replaces any
#: that does appear, so decomposed text is unambiguous.
JONG_FILLER = "\ufdd0"

# A regular expression, not str.translate with a table: translate looks every character up in a dict, which was
# a sixth of the time of encoding a corpus (profiled on 100K NSMC lines); the expression scans in C.
# Noncharacters, and lone surrogates: not characters (a Python string may hold one, from a bad decode or a "\ud800"
# in code), UTF-8 cannot encode them, and every hash and every file write would fail on one.
_REPLACED = re.compile("[\ufdd0-\ufdef\ud800-\udfff]")


def normalize(text: str) -> str:
    """Bring text to the form every other step expects.

    NFC (so NFD-encoded Hangul such as macOS file names gives the same words),
    noncharacters replaced by U+FFFD (they are reserved for `JONG_FILLER`), and so are lone surrogates.
    Compatibility jamo (ㅋㅋ, ㅠㅠ) and all other characters are kept as they are.

    Examples
    --------
    >>> normalize(unicodedata.normalize("NFD", "몰랐다")) == "몰랐다"
    True
    >>> normalize("ㅋㅋㅋ 재밌다")
    'ㅋㅋㅋ 재밌다'
    """
    return _REPLACED.sub("\ufffd", unicodedata.normalize("NFC", text))


def is_syllable(char: str) -> bool:
    """True for a precomposed Hangul syllable (가..힣)."""
    return SYLLABLE_FIRST <= ord(char) <= SYLLABLE_LAST


def syllable_parts(char: str) -> tuple[int, int, int]:
    """``(choseong, jungseong, jongseong)`` indices of a syllable; jongseong 0 means no final consonant.

    Examples
    --------
    >>> syllable_parts("몰"), syllable_parts("가")
    ((6, 8, 8), (0, 0, 0))
    """
    if not is_syllable(char):
        raise ValueError(f"{char!r} is not a Hangul syllable")
    cho, rest = divmod(ord(char) - SYLLABLE_FIRST, N_JUNG * N_JONG)
    jung, jong = divmod(rest, N_JONG)
    return cho, jung, jong


def compose_syllable(cho: int, jung: int, jong: int = 0) -> str:
    """The syllable of the given indices (inverse of `syllable_parts`).

    Examples
    --------
    >>> compose_syllable(6, 8, 8), compose_syllable(6, 8)
    ('몰', '모')
    """
    return chr(SYLLABLE_FIRST + (cho * N_JUNG + jung) * N_JONG + jong)


def without_final(char: str) -> str:
    """The syllable with its final consonant removed (닼 -> 다); any other character unchanged.

    Examples
    --------
    >>> without_final("닼"), without_final("다"), without_final("ㅋ")
    ('다', '다', 'ㅋ')
    """
    if not is_syllable(char):
        return char
    cho, jung, _ = syllable_parts(char)
    return compose_syllable(cho, jung)


def _decompose_syllable(char: str) -> str:
    cho, jung, jong = syllable_parts(char)
    final = chr(JONGSEONG_FIRST + jong) if jong else JONG_FILLER
    return chr(CHOSEONG_FIRST + cho) + chr(JUNGSEONG_FIRST + jung) + final


_DECOMPOSITION = {
    code: _decompose_syllable(chr(code)) for code in range(SYLLABLE_FIRST, SYLLABLE_LAST + 1)
}


def to_jamo(text: str) -> str:
    """Replace every Hangul syllable by its three jamo symbols.

    Examples
    --------
    >>> [unicodedata.name(c, "FILLER") for c in to_jamo("몰")]
    ['HANGUL CHOSEONG MIEUM', 'HANGUL JUNGSEONG O', 'HANGUL JONGSEONG RIEUL']
    >>> len(to_jamo("모르다")), to_jamo("abc ㅋㅋ")
    (9, 'abc ㅋㅋ')
    """
    return text.translate(_DECOMPOSITION)


def jamo_form(word: str) -> str:
    """The string the jamo scheme cuts into n-grams: `normalize`, then `to_jamo`.

    A jamo model exported to fastText (`kofasttext.interop.fasttext_bin`) holds its words in this form, so a
    fastText or gensim client looks a word up as ``jamo_form(word)``.

    Examples
    --------
    >>> jamo_form("몰랐다") == to_jamo("몰랐다")
    True
    >>> ft_model.get_word_vector(jamo_form("몰랐겠지"))  # fastText, on an exported jamo model  # doctest: +SKIP
    """
    return to_jamo(normalize(word))


def _jamo_index(char: str, first: int, count: int) -> int:
    index = ord(char) - first
    return index if 0 <= index < count else -1


def from_jamo(text: str) -> str:
    """Inverse of `to_jamo`: compose every (choseong, jungseong, jongseong|filler)
    triple back into a syllable and leave everything else alone.

    ``from_jamo(to_jamo(s)) == s`` for every normalised string ``s``.

    Examples
    --------
    >>> from_jamo(to_jamo("몰랐겠지 ㅠㅠ"))
    '몰랐겠지 ㅠㅠ'
    """
    out = []
    i, n = 0, len(text)
    while i < n:
        if i + 2 < n:
            cho = _jamo_index(text[i], CHOSEONG_FIRST, N_CHO)
            jung = _jamo_index(text[i + 1], JUNGSEONG_FIRST, N_JUNG)
            final = text[i + 2]
            jong = 0 if final == JONG_FILLER else _jamo_index(final, JONGSEONG_FIRST, N_JONG)
            if cho >= 0 and jung >= 0 and jong >= 0 and (jong or final == JONG_FILLER):
                out.append(compose_syllable(cho, jung, jong))
                i += 3
                continue
        out.append(text[i])
        i += 1
    return "".join(out)
