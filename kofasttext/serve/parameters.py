"""A request's query parameters, checked against the API's bounds (`limits`) before any work is done.

Each parameter has a kind (`KINDS`) that says how it is read and bounded: a word (one, no spaces), an
arithmetic expression, a search query, a count ``k``, a model name. A value that does not fit is a
`RequestError`: the status (400 for a bad value, 404 for something that is not there) and one sentence that
says what was wrong and what would be right, which the app sends as ``{"error": message}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..hangul import normalize
from . import limits


class RequestError(Exception):
    """A request the API refuses: ``status`` (4xx) and a one-line ``message`` for the person who sent it."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


#: kind -> (JSON schema type, longest value in characters or None, what it is, for messages and OpenAPI)
KINDS = {
    "word": ("string", limits.MAX_WORD_CHARS, "one word, seen in training or not, e.g. 몰랐겠지"),
    "expression": ("string", limits.MAX_EXPRESSION_CHARS, "words joined by + and -, e.g. 한국 - 서울 + 도쿄"),
    "query": ("string", limits.MAX_QUERY_CHARS, "any text, e.g. 배우 연기 최고"),
    "k": ("integer", None, f"how many to return, 1 to {limits.MAX_K}"),
    "model": ("string", None, "a loaded model's name (see /api/v1/models); optional when one model is loaded"),
}


@dataclass(frozen=True)
class Param:
    """One query parameter of an API path."""

    name: str
    kind: str
    required: bool = True
    description: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown parameter kind {self.kind!r}")  # a bug in the API table, not bad input


def read(query: Mapping[str, Sequence[str]], params: Sequence[Param]) -> dict:
    """The checked values of ``params`` in ``query`` (each name -> its list of values, as a URL has them).

    An absent optional parameter is None (``k``: `limits.DEFAULT_K`). An unknown name is refused rather than
    ignored: ``wrod=몰랐겠지`` should say so, not answer "word is missing".

    Examples
    --------
    >>> read({"word": [" 몰랐겠지 "], "k": ["5"]}, [Param("word", "word"), Param("k", "k", required=False)])
    {'word': '몰랐겠지', 'k': 5}
    >>> read({"k": ["0"]}, [Param("k", "k", required=False)])
    Traceback (most recent call last):
    ...
    kofasttext.serve.parameters.RequestError: k must be a whole number from 1 to 100, got '0'
    """
    known = {param.name for param in params}
    for name in query:
        if name not in known:
            takes = ", ".join(sorted(known)) or "no parameters"
            raise RequestError(400, f"unknown parameter {name!r} (this path takes {takes})")
    values = {}
    for param in params:
        given = list(query.get(param.name, ()))
        if len(given) > 1:
            raise RequestError(400, f"{param.name} is given {len(given)} times; give it once")
        if not given:
            if param.required:
                raise RequestError(400, f"{param.name} is missing: {KINDS[param.kind][2]}")
            values[param.name] = limits.DEFAULT_K if param.kind == "k" else None
            continue
        values[param.name] = _READERS[param.kind](param.name, given[0])
    return values


def _text(name: str, value: str, kind: str) -> str:
    longest = KINDS[kind][1]
    # Measured before normalising, so that a huge value costs nothing more than this length check.
    if longest is not None and len(value) > longest:
        raise RequestError(400, f"{name} is {len(value):,} characters long; at most {longest:,} are accepted")
    text = normalize(value).strip()
    if not text:
        raise RequestError(400, f"{name} is empty: {KINDS[kind][2]}")
    return text


def _word(name: str, value: str) -> str:
    word = _text(name, value, "word")
    if any(char.isspace() for char in word):
        raise RequestError(400, f"{name} holds a space: give one word (several words with + and - go to /api/v1/arithmetic)")
    return word


def _count(name: str, value: str) -> int:
    text = value.strip()
    # Digits only and short: "1e9", "-1", "0x10" and a thousand-digit number all fail here, without int() on them.
    if not (text.isascii() and text.isdigit() and len(text) <= 6) or not 1 <= int(text) <= limits.MAX_K:
        shown = value if len(value) <= 20 else value[:20] + "..."
        raise RequestError(400, f"{name} must be a whole number from 1 to {limits.MAX_K}, got {shown!r}")
    return int(text)


def _model(name: str, value: str) -> str:
    text = value.strip()
    if not text:
        raise RequestError(400, f"{name} is empty: {KINDS['model'][2]}")
    return text


_READERS = {
    "word": _word,
    "expression": lambda name, value: _text(name, value, "expression"),
    "query": lambda name, value: _text(name, value, "query"),
    "k": _count,
    "model": _model,
}
