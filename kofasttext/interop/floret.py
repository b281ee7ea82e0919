"""floret's text table (``.floret``), which spaCy loads as floret vectors.

A model trained with Bloom hashing (``kft.train(..., table_rows=N, hash_count=K)``, `subwords` module
docstring) is exactly what floret trains in its ``floret`` mode: one table, every word and n-gram hashed to
``K`` of its rows with MurmurHash3. floret's ``save_vectors`` writes that table as text and spaCy reads it
(``spacy init vectors xx OUT.floret DIR --mode floret``, ``spacy.training.initialize.read_vectors``):

* a header line ``bucket dim minn maxn hash_count hash_seed BOW EOW`` (hash_seed `FLORET_SEED`, ``<`` ``>``);
* then ``bucket`` lines, one per table row in row order, ``i v0 v1 ... v{dim-1}``; spaCy places rows by line
  order. Values are written with 6 significant digits (floret writes 5): a cosine moves by ~1e-11.

A row no vocabulary word uses was never stored (`subwords.compact_buckets`) and is written as zeros, which
adds nothing to a sum, as in our model. spaCy takes the MEAN of a word's rows, we their sum: the same
direction, so every cosine is the same. spaCy hashes the code points of the string it is given: for the
jamo scheme it must be given ``kofasttext.hangul.jamo_form(word)``, the string our n-grams are cut from.
"""

from __future__ import annotations

import numpy as np

from ..errors import UsageError
from ..files import atomic_write
from ..murmurhash import FLORET_SEED
from ..subwords import BOW, EOW

_ROW_CHUNK = 1 << 14  # table rows formatted at a time


def check_floret(model) -> None:
    """A `UsageError` when spaCy's floret vectors cannot give ``model``'s vectors."""
    scheme = model.scheme
    if not scheme.bloom:
        raise UsageError(
            "only a model trained with Bloom hashing (--table-rows N --hash-count K) can be a .floret table: "
            "this one gives every word a row of its own; export --format vec or fasttext instead"
        )
    if scheme.name not in ("syllable", "jamo") or scheme.extra is not None:
        raise UsageError(
            f"a {scheme.name} model{' with extra subwords' if scheme.extra else ''} cannot be a .floret table: spaCy cuts "
            "one n-gram range from the query string alone; export --format vec instead"
        )
    minn, _ = scheme.syllable_range or scheme.jamo_range
    if minn < 2:
        raise UsageError(
            "a model with minn 1 cannot be a .floret table: spaCy's floret mode also hashes '<' and '>' alone, "
            "which floret and kofasttext never do; train with --minn 2 or more"
        )


def save_floret(model, path: str) -> None:
    """Write ``model``'s Bloom table as a ``.floret`` text file, atomically (see the module docstring).

    Examples
    --------
    >>> save_floret(kft.load("nsmc_floret.kft"), "nsmc.floret")  # doctest: +SKIP
    >>> # spacy init vectors xx nsmc.floret nsmc_spacy --mode floret
    """
    check_floret(model)
    scheme = model.scheme
    minn, maxn = scheme.syllable_range or scheme.jamo_range
    rows, dim = scheme.bucket, model.dim
    used = None if model.used_buckets is None else np.asarray(model.used_buckets, dtype=np.int64)
    with atomic_write(path) as out:
        out.write(f"{rows} {dim} {minn} {maxn} {scheme.hash_count} {FLORET_SEED} {BOW} {EOW}\n".encode())
        for start in range(0, rows, _ROW_CHUNK):
            end = min(start + _ROW_CHUNK, rows)
            if used is None:
                block = np.asarray(model.input_matrix[start:end], dtype=np.float32)
            else:
                block = np.zeros((end - start, dim), dtype=np.float32)
                first, last = np.searchsorted(used, [start, end])
                block[used[first:last] - start] = np.asarray(model.input_matrix[first:last], dtype=np.float32)
            out.write(_format_rows(start, block).encode())


def _format_rows(start: int, block: np.ndarray) -> str:
    values = np.char.mod("%.6g", block.astype(np.float64))
    lines = [f"{start + i} " + " ".join(row) for i, row in enumerate(values.tolist())]
    return "\n".join(lines) + "\n"
