"""Word arithmetic: ``한국 - 서울 + 도쿄`` -> the words to add and the words to subtract.

An expression is words joined by ``+`` and ``-``; the first word may carry a sign too (``- 서울 + 도쿄``), and
spaces around the signs are optional (``한국-서울+도쿄``). A word therefore cannot hold ``+`` or ``-`` itself, a
rare thing in Korean. Its value is what `VectorQueries.most_similar` computes: the sum of the added words' unit
vectors minus the subtracted ones', compared by cosine with every vocabulary word but the expression's own.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from . import limits
from .parameters import RequestError

_SIGN = re.compile(r"([+-])")


class Term(NamedTuple):
    """One word of an expression and its sign (+1 or -1)."""

    word: str
    sign: int


def parse_expression(expression: str) -> list[Term]:
    """The signed words of ``expression``, or a `RequestError` (400) saying where it does not parse.

    Examples
    --------
    >>> parse_expression("한국 - 서울 + 도쿄")
    [Term(word='한국', sign=1), Term(word='서울', sign=-1), Term(word='도쿄', sign=1)]
    >>> parse_expression("한국 + + 서울")
    Traceback (most recent call last):
    ...
    kofasttext.serve.parameters.RequestError: expression has no word between two signs (+ +)
    """
    pieces = _SIGN.split(expression)  # word, sign, word, sign, ... ; "" where a word is missing
    terms: list[Term] = []
    sign, previous_sign = 1, None
    for position, piece in enumerate(pieces):
        if position % 2 == 1:  # a sign
            previous_sign = piece
            sign = 1 if piece == "+" else -1
            continue
        word = piece.strip()
        if not word:
            if position == 0:  # "- 서울 + 도쿄": a leading sign, no word before it
                continue
            if position == len(pieces) - 1:
                raise RequestError(400, f"expression ends with {previous_sign}: a word must follow it")
            raise RequestError(400, f"expression has no word between two signs ({previous_sign} {pieces[position + 1]})")
        if any(char.isspace() for char in word):
            raise RequestError(400, f"expression has two words with no + or - between them: {word!r}")
        if len(word) > limits.MAX_WORD_CHARS:
            raise RequestError(400, f"expression has a word of {len(word):,} characters; at most {limits.MAX_WORD_CHARS}")
        terms.append(Term(word, sign))
        if len(terms) > limits.MAX_TERMS:
            raise RequestError(400, f"expression has more than {limits.MAX_TERMS} words")
    if not terms:
        raise RequestError(400, "expression has no word: e.g. 한국 - 서울 + 도쿄")
    return terms
