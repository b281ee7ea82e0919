"""The word2vec / fastText text format (``.vec``): a word and its values on one line, separated by spaces.

Values are written with five significant digits (``%.5g``), as fastText writes its own ``.vec`` files (its
vector printer sets a precision of 5).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np


def vec_line(word: str, vector: np.ndarray) -> str:
    """One line of a ``.vec`` file (without its line end).

    Examples
    --------
    >>> vec_line("영화", np.array([0.5, -1.25, 1 / 3], dtype=np.float32))
    '영화 0.5 -1.25 0.33333'
    """
    return word + " " + " ".join(f"{value:.5g}" for value in vector)


def vec_lines(model, words: Iterable[str]) -> Iterator[str]:
    """The ``.vec`` line of each word, in or out of the model's vocabulary (`Model.get_word_vector`)."""
    for word in words:
        yield vec_line(word, model.get_word_vector(word))
