"""The default pretokeniser: whitespace, then punctuation runs split from word runs.

``"최고!!ㅋㅋ"`` gives ``["최고", "!!", "ㅋㅋ"]``: a run of word characters
(Python's ``\\w``: letters including Hangul and compatibility jamo, digits,
underscore) or a run of anything that is neither that nor space. Punctuation
runs stay as words, because in reviews ``!!`` or ``...`` carry sentiment and are
useful context. A NUL byte counts as whitespace. Text is normalised
(`hangul.normalize`) before it is split, so a query is cut exactly like the
training text.

A model trained before pretokenisers were configurable (config
``"pretokenizer": "whitespace"`` or none) and one trained with
``pretokenizer="whitespace"`` cut text the same way. The other pretokenisers
build on `split_words`: sentencepiece trains on and encodes its output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..hangul import normalize
from .base import Pretokenizer, check_options

_TOKEN = re.compile(r"\w+|[^\w\s]+")


def split_words(line: str) -> list[str]:
    """Words of one line of (unnormalised) text.

    Examples
    --------
    >>> split_words("진짜 재밌었다!! ㅋㅋㅋ 10점")
    ['진짜', '재밌었다', '!!', 'ㅋㅋㅋ', '10점']
    """
    return _TOKEN.findall(normalize(line).replace("\x00", " "))


class WhitespacePretokenizer(Pretokenizer):
    """``"진짜 재밌었다!! ㅋㅋ"`` -> ``["진짜", "재밌었다", "!!", "ㅋㅋ"]``.

    Examples
    --------
    >>> WhitespacePretokenizer().split("배우 연기가 최고!!")
    ['배우', '연기가', '최고', '!!']
    """

    name = "whitespace"

    def split(self, line: str) -> list[str]:
        return split_words(line)

    def split_many(self, lines: Iterable[str]) -> Iterator[list[str]]:
        # A regex per line is already as fast as Python gets: nothing to batch.
        return map(split_words, lines)

    def to_config(self) -> dict:
        return {"name": self.name}

    @property
    def spec(self) -> str:
        return self.name

    @classmethod
    def from_options(cls, options: dict, workers: int | None = None) -> WhitespacePretokenizer:
        check_options(cls.name, options, flags=())
        return cls()

    @classmethod
    def from_config(cls, config: dict, arrays: dict, workers: int | None = None, trained: bool = True):
        return cls()
