"""The one check of a count-like option (dim, epoch, threads, a pretokeniser's ``vocab=N``, ...), and the one
of a rate-like option (lr, sample, GloVe's x_max and alpha).

Every such option must be a whole number of at least 1. An int (or numpy int) is taken as it is, and, where
the value may come from text (``from_text``: a pretokeniser spec's ``vocab=8000``, a command-line word), so is
a string of decimal digits; a string given to a Python keyword is refused like any other wrong type. A bool is
refused, though Python counts it as an int (``dim=True`` is a mistake, not 1), and so is a float, even 5.0: a
count written as a float is usually a computed value gone wrong.

A rate-like option must be a real number (an int or float, numpy's too, not a bool or a string: ``lr="0.05"``
is refused rather than failing deep inside training), finite, and above 0 (or, where 0 means "off", at least 0).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

from .errors import UsageError


def positive_int(value, name: str, *, from_text: bool = False, zero_allowed: bool = False) -> int:
    """``value`` as an int of at least 1 (at least 0 with ``zero_allowed``), or a `UsageError` naming the option.

    Examples
    --------
    >>> positive_int("8000", "sentencepiece option vocab", from_text=True)
    8000
    >>> positive_int(0, "dim")
    Traceback (most recent call last):
    ...
    kofasttext.errors.UsageError: dim must be a positive integer, got 0
    """
    number = -1
    if isinstance(value, Integral) and not isinstance(value, bool):
        number = int(value)
    elif from_text and isinstance(value, str) and value.strip().isdigit():
        number = int(value)
    if number < (0 if zero_allowed else 1):
        kind = "0 or a positive integer" if zero_allowed else "a positive integer"
        raise UsageError(f"{name} must be {kind}, got {value!r}")
    return number


def positive_number(value, name: str, *, zero_allowed: bool = False) -> float:
    """``value`` as a finite float above 0 (at least 0 with ``zero_allowed``), or a `UsageError` naming the option.

    Examples
    --------
    >>> positive_number(0.05, "lr"), positive_number(0, "sample", zero_allowed=True)
    (0.05, 0.0)
    >>> positive_number("0.05", "lr")
    Traceback (most recent call last):
    ...
    kofasttext.errors.UsageError: lr must be a positive number, got '0.05'
    """
    if isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value):
        if value > 0 or (zero_allowed and value == 0):
            return float(value)
    kind = "0 or a positive number" if zero_allowed else "a positive number"
    raise UsageError(f"{name} must be {kind}, got {value!r}")
