"""Where evaluation data lives: ``--data DIR``, else ``$KOFASTTEXT_DATA``, else ``../shared/data``."""

from __future__ import annotations

import os
from pathlib import Path

from ..corpus import iter_lines
from ..errors import CorpusError

DEFAULT_DATA_DIR = Path("..") / "shared" / "data"


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The data folder to use, checked to exist."""
    chosen = explicit or os.environ.get("KOFASTTEXT_DATA") or DEFAULT_DATA_DIR
    path = Path(chosen)
    if not path.is_dir():
        raise CorpusError(f"data folder not found: {path} (give --data DIR or set KOFASTTEXT_DATA)")
    return path


def read_nsmc(split: str, data: str | os.PathLike | None = None) -> tuple[list[str], list[int]]:
    """Reviews and 0/1 labels of NSMC ``train`` or ``test`` (``nsmc/{split}.tsv``)."""
    path = str(data_dir(data) / "nsmc" / f"{split}.tsv")
    texts = list(iter_lines(path, column="document"))
    labels = [int(label) for label in iter_lines(path, column="label")]
    return texts, labels
