"""What kofasttext finds around it: the data folder, its cache folder and the cores it may use.

- data: ``--data DIR`` (the ``explicit`` argument), else ``$KOFASTTEXT_DATA``, else ``../shared/data``;
- cache: ``$KOFASTTEXT_CACHE``, else ``$XDG_CACHE_HOME/kofasttext``, else ``~/.cache/kofasttext``. Encoded
  corpora go there when their own folder is read-only, and the evaluator keeps its word lists and query sets
  there. Everything in it can be rebuilt: deleting it is always safe;
- cores: those this process may run on (its CPU affinity, which a container or ``taskset`` may limit), the
  default number of training and tokenising threads.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import CorpusError

DEFAULT_DATA_DIR = Path("..") / "shared" / "data"


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The data folder to use, checked to exist.

    Raises
    ------
    CorpusError
        The folder does not exist (the message says how to choose another).
    """
    path = Path(explicit or os.environ.get("KOFASTTEXT_DATA") or DEFAULT_DATA_DIR)
    if not path.is_dir():
        raise CorpusError(f"data folder not found: {path} (give --data DIR or set KOFASTTEXT_DATA)")
    return path


def cache_dir() -> Path:
    """The user cache folder (not created here)."""
    explicit = os.environ.get("KOFASTTEXT_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg if xdg else os.path.join(os.path.expanduser("~"), ".cache")) / "kofasttext"


def available_cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
