"""The default pretokeniser: whitespace, then punctuation runs split from word runs.

It is `pretokenize.split_words` behind the `Pretokenizer` interface, so a model
trained before pretokenisers were configurable (config ``"pretokenizer":
"whitespace"``) and one trained with ``pretokenizer="whitespace"`` cut text the
same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..pretokenize import split_words
from . import Pretokenizer, check_options


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
