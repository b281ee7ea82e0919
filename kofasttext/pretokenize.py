"""The ``whitespace`` pretokeniser's rule, and how a query word is normalised.

What counts as a word is a per-model choice (`kofasttext.pretokenizers`:
whitespace, kiwi morphemes, sentencepiece pieces); this module holds the default
rule, which the others build on and much of the package imports directly.

The default, ``whitespace``, splits on whitespace and then separates runs of
punctuation and symbols from runs of word characters: ``"최고!!ㅋㅋ"`` gives
``["최고", "!!", "ㅋㅋ"]``. Punctuation runs stay as words, because in reviews
``!!`` or ``...`` carry sentiment and are useful context. A NUL byte counts as
whitespace. Text is normalised (`hangul.normalize`) before it is split, so a
query is cut exactly like the training text.
"""

from __future__ import annotations

import re

from .hangul import normalize
from .pretokenizers import NAMES

PRETOKENIZERS = NAMES  # the names a model's pretokeniser can have

# A run of word characters (Python's \w: letters including Hangul and compatibility
# jamo, digits, underscore), or a run of anything that is neither that nor space.
_TOKEN = re.compile(r"\w+|[^\w\s]+")


def split_words(line: str) -> list[str]:
    """Words of one line of (unnormalised) text.

    Examples
    --------
    >>> split_words("진짜 재밌었다!! ㅋㅋㅋ 10점")
    ['진짜', '재밌었다', '!!', 'ㅋㅋㅋ', '10점']
    """
    return _TOKEN.findall(normalize(line).replace("\x00", " "))


def query_word(word: str) -> str:
    """Normalise a word given to a query (``model["몰랐다"]``) the way corpus text is."""
    return normalize(word)
