"""What every pretokeniser provides (`Pretokenizer`), and the helpers their option parsing shares.

See `kofasttext.pretokenizers` for the pretokenisers and the spec syntax.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping

import numpy as np

from ..errors import ModelFileError, UsageError


class Pretokenizer(ABC):
    """What every pretokeniser provides (see `kofasttext.pretokenizers`).

    Subclasses set `name` and implement `split`, `to_config`, `spec`, and the two
    ways of building one, `from_options` (a user's spec) and `from_config` (a
    model file); the rest has defaults that fit a pretokeniser with no trained
    state.
    """

    name = "pretokenizer"
    #: True while the pretokeniser still has to be trained on the corpus (`fit`).
    needs_fit = False
    #: None, or ``word -> list[str]`` of extra n-grams (see `subwords.SubwordScheme.extra`).
    extra_subwords = None
    #: True for a pretokeniser rebuilt from a model file that lacks the trained data it needs.
    lacks_data = False

    @classmethod
    @abstractmethod
    def from_options(cls, options: dict[str, str | None], workers: int | None = None) -> Pretokenizer:
        """The pretokeniser a spec's options ask for (`parse_spec` gives them); a `UsageError` for bad ones."""

    @classmethod
    @abstractmethod
    def from_config(
        cls, config: dict, arrays: Mapping[str, np.ndarray], workers: int | None = None, trained: bool = True
    ) -> Pretokenizer:
        """The pretokeniser a model's config describes, with the trained data in ``arrays`` (see `from_config`
        of `kofasttext.pretokenizers`)."""

    @abstractmethod
    def split(self, line: str) -> list[str]:
        """Words of one line of (unnormalised) text."""

    def split_many(self, lines: Iterable[str]) -> Iterator[list[str]]:
        """Words of each line, lazily and in order; batched where that is faster."""
        return map(self.split, lines)

    @abstractmethod
    def to_config(self) -> dict:
        """JSON-able description; `from_config` of it gives the same pretokeniser."""

    @property
    @abstractmethod
    def spec(self) -> str:
        """The canonical spec string (defaults left out), e.g. ``"kiwi:join"``."""

    @property
    def key(self) -> str:
        """What identifies how this pretokeniser cuts text, for cache keys."""
        return self.spec

    def arrays(self) -> dict[str, np.ndarray]:
        """Arrays the model file must store for `from_config` to rebuild this pretokeniser."""
        return {}

    def fit(self, lines: Iterable[str], seed: int = 0) -> Pretokenizer:
        """Train on the corpus lines (only when `needs_fit`); returns the trained pretokeniser."""
        return self

    def __repr__(self) -> str:
        return f"<kofasttext pretokenizer {self.spec}>"


def check_options(name: str, options: Mapping[str, str | None], flags: Iterable[str], keys: Iterable[str] = ()) -> None:
    """Fail with the valid choices on an unknown flag or key, a flag given a value, or a key given none."""
    flags, keys = tuple(flags), tuple(keys)
    choices = ", ".join([*flags, *(f"{key}=N" for key in keys)]) or "none"
    for option, value in options.items():
        if option in flags and value is None or option in keys and value is not None:
            continue
        if option in keys:
            raise UsageError(f"pretokenizer {name} option {option} needs a value ({option}=N)")
        shown = option if value is None else f"{option}={value}"
        raise UsageError(f"unknown option {shown!r} for pretokenizer {name}; options: {choices}")


def missing_data(name: str, what: str) -> ModelFileError:
    """The error of a model whose file lacks the trained data its pretokeniser needs."""
    return ModelFileError(f"this model's {name} pretokenizer needs its {what}, which its file does not hold")
