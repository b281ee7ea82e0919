"""`compress`: a smaller model that answers the same queries, for shipping and for small machines.

Three ways to shrink a model, which combine:

* **pruning** (always): only the rows some kept word uses are stored -- the words' own rows and the buckets
  their n-grams hash to -- as training already does (`subwords.compact_buckets`); a fastText file's
  unused buckets go too. ``keep_words=N`` keeps the N most frequent words: the others become unseen words,
  composed from the n-gram rows that remain (as fastText's ``quantize -cutoff`` does). An unseen word's
  n-gram whose bucket no kept word uses has no row, so contributes nothing.
* **float16** storage of the input matrix (half the bytes; vectors are summed in float32).
* **product quantisation** (``pq_subvectors=M``, `kofasttext.quantized`): one byte per row and subvector.

The output matrix is dropped (it is only needed to train further), so a compressed model answers every
query verb but cannot be trained on. ``max_size`` picks the settings: the first of these, in this order,
whose file fits: float32, float16, then product quantisation from 1 to 50 columns per subvector (each
width that divides ``dim``), all with every word; then the same with half the words, a quarter, and so on.
The order prefers keeping words to keeping precision, since a pruned word loses its own row entirely.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np

from .errors import UsageError
from .model import Model, rebuilt_subword_table
from .progress import Progress
from .quantized import CENTROIDS, QuantizedMatrix
from .subwords import compact_buckets
from .vocab import Vocabulary

DTYPES = ("float32", "float16")
#: Columns per subvector tried by ``max_size``, finest first.
SUBVECTOR_WIDTHS = (1, 2, 3, 4, 5, 6, 10, 20, 25, 50)
_MIN_KEPT_WORDS = 1_000  # max_size stops halving the vocabulary here
_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}


@dataclass(frozen=True)
class Settings:
    """How `compress` shrinks a model: float16 or not, subvectors for product quantisation (None: none),
    words kept (None: all)."""

    dtype: str = "float32"
    pq_subvectors: int | None = None
    keep_words: int | None = None

    def describe(self) -> str:
        encoding = f"product quantisation, {self.pq_subvectors} subvectors" if self.pq_subvectors else self.dtype
        return f"{encoding}, {'all' if self.keep_words is None else f'{self.keep_words:,}'} words"


def parse_size(text: str) -> int:
    """Bytes of a size such as ``10MB`` (10**6 bytes), ``25MiB`` (2**20), ``500KB`` or ``123456``.

    Examples
    --------
    >>> parse_size("10MB"), parse_size("1.5 GiB")
    (10000000, 1610612736)
    """
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", str(text))
    unit = match and match.group(2).upper()
    if not match or unit not in _UNITS:
        raise UsageError(f"a size is a number with an optional unit (KB, MB, GB, KiB, MiB, GiB); got {text!r}")
    size = int(float(match.group(1)) * _UNITS[unit])
    if size < 1:
        raise UsageError(f"the size must be positive; got {text!r}")
    return size


def compress(model: Model, dtype: str = "float32", pq_subvectors: int | None = None, keep_words: int | None = None,
             max_size: int | None = None, seed: int = 0, progress: bool = True) -> Model:  # fmt: skip
    """A smaller copy of ``model`` (see the module docstring); ``model`` itself is unchanged.

    Parameters
    ----------
    dtype : {"float32", "float16"}
        Storage of the input matrix when it is not product-quantised.
    pq_subvectors : int, optional
        Product-quantise the input rows into this many subvectors (it must divide ``model.dim``).
    keep_words : int, optional
        Keep only the most frequent words.
    max_size : int, optional
        Bytes the saved file may take: choose the settings (then give none of the three above).
    seed : int
        Seed of the k-means.
    progress : bool
        Show the product quantisation's progress on stderr.

    Examples
    --------
    >>> small = compress(kft.load("nsmc_jamo.kft"), max_size=parse_size("10MB"))  # doctest: +SKIP
    >>> small.save("nsmc_jamo_10mb.kft"); small.most_similar("몰랐겠지")  # doctest: +SKIP
    """
    if model.compressed:
        raise UsageError("this model is already compressed: compress the model it was made from")
    if max_size is not None:
        if dtype != "float32" or pq_subvectors is not None or keep_words is not None:
            raise UsageError("give either a maximum size or the settings (dtype, PQ subvectors, words kept), not both")
        settings = choose_settings(model, max_size)
        if settings is None:
            smallest = estimated_size(model, _smallest_settings(model), table_rebuilds(model))
            raise UsageError(f"no settings fit in {max_size:,} bytes: the smallest file would be about {smallest:,} bytes")
    else:
        settings = Settings(dtype, pq_subvectors, keep_words)
    _check(model, settings)
    pruned = _prune(model, settings.keep_words)
    matrix = pruned["input_matrix"]
    if settings.pq_subvectors:
        bar = Progress(progress)
        matrix = QuantizedMatrix.fit(matrix, settings.pq_subvectors, seed=seed, log=bar.update)
        bar.done()
    elif settings.dtype == "float16":
        matrix = matrix.astype(np.float16)
    config = {
        **model.config,
        "compression": {
            "dtype": "pq" if settings.pq_subvectors else settings.dtype,
            "pq_subvectors": settings.pq_subvectors,
            "kept_words": len(pruned["words"]),
            "source_words": len(model.words),
            "seed": seed,
            # The vocabulary's subword table is most of a small model's bytes; when the words' n-grams give it
            # back exactly (all but some fastText files: their </s> has no n-grams), it is rebuilt on load.
            "subword_table": "rebuilt" if _rebuilds(model.scheme, pruned) else "stored",
        },
    }
    return Model(
        config,
        Vocabulary(pruned["words"], pruned["counts"]),
        matrix,
        None,
        pruned["offsets"],
        pruned["rows"],
        pruned["used_buckets"],
        model.pretokenizer,
    )


def _rebuilds(scheme, table: dict) -> bool:
    """Whether ``table["words"]`` give back its ``offsets``, ``rows`` and ``used_buckets`` (rows of used
    buckets only) through `rebuilt_subword_table`."""
    rebuilt = rebuilt_subword_table(table["words"], scheme)
    return all(np.array_equal(a, table[k]) for a, k in zip(rebuilt, ("offsets", "rows", "used_buckets")))


def _check(model: Model, settings: Settings) -> None:
    if settings.dtype not in DTYPES:
        raise UsageError(f"dtype must be one of {', '.join(DTYPES)}; got {settings.dtype!r}")
    if settings.pq_subvectors is not None:
        if settings.dtype != "float32":
            raise UsageError("product quantisation and float16 do not combine: give one of them")
        if not isinstance(settings.pq_subvectors, int) or settings.pq_subvectors < 1 or model.dim % settings.pq_subvectors:
            raise UsageError(
                f"PQ subvectors must be a positive divisor of the dimension {model.dim}; got {settings.pq_subvectors!r}"
            )
    if settings.keep_words is not None and (not isinstance(settings.keep_words, int) or settings.keep_words < 1):
        raise UsageError(f"the words kept must be a positive number; got {settings.keep_words!r}")


def _prune(model: Model, keep_words: int | None) -> dict:
    """The kept words (the most frequent first), their CSR rows renumbered, the buckets they use and the
    input rows in the new order (words, then used buckets by bucket id)."""
    nwords = len(model.words)
    kept = nwords if keep_words is None else min(keep_words, nwords)
    first_bucket, kept_first_bucket = model.scheme.first_bucket_row(nwords), model.scheme.first_bucket_row(kept)
    offsets = np.asarray(model.subword_offsets[: kept + 1], dtype=np.int64)
    rows = np.asarray(model.subword_rows[: offsets[-1]], dtype=np.int64)
    is_bucket = rows >= first_bucket
    # Where each n-gram's row sits among the stored bucket rows; those positions follow bucket id order.
    positions, renumbered = np.unique(rows[is_bucket] - first_bucket, return_inverse=True)
    used = positions if model.used_buckets is None else np.asarray(model.used_buckets)[positions]
    new_rows = rows.copy()
    new_rows[is_bucket] = kept_first_bucket + renumbered.reshape(-1)
    input_matrix = np.concatenate(
        [
            np.asarray(model.input_matrix[:kept_first_bucket], dtype=np.float32),
            np.asarray(model.input_matrix[first_bucket + positions], dtype=np.float32),
        ]
    )
    return {
        "words": model.words[:kept],
        "counts": model.vocab.counts[:kept],
        "offsets": offsets,
        "rows": new_rows.astype(np.int32),
        "used_buckets": used.astype(np.int32),
        "input_matrix": input_matrix,
    }


# -- choosing settings for a size ------------------------------------------------------------


def _candidates(model: Model):
    encodings = [Settings("float32"), Settings("float16")] + [
        Settings(pq_subvectors=model.dim // width) for width in SUBVECTOR_WIDTHS if model.dim % width == 0 and width < model.dim
    ]
    kept = len(model.words)
    while True:
        for encoding in encodings:
            yield Settings(encoding.dtype, encoding.pq_subvectors, None if kept == len(model.words) else kept)
        if kept <= _MIN_KEPT_WORDS:
            return
        kept = max(kept // 2, _MIN_KEPT_WORDS)


def _smallest_settings(model: Model) -> Settings:
    *_, last = _candidates(model)
    return last


def choose_settings(model: Model, max_size: int) -> Settings | None:
    """The first of the `compress` module's candidate settings whose file (estimated) fits in ``max_size``
    bytes, or None."""
    rebuilds = table_rebuilds(model)
    return next((s for s in _candidates(model) if estimated_size(model, s, rebuilds) <= max_size), None)


def table_rebuilds(model: Model) -> bool:
    """Whether the model's words give back its subword table (so that a compressed file can leave it out)."""
    rows, used = compact_buckets(np.asarray(model.subword_rows), model.scheme.first_bucket_row(len(model.words)))
    table = {"words": model.words, "offsets": np.asarray(model.subword_offsets), "rows": rows, "used_buckets": used}
    return _rebuilds(model.scheme, table)


def estimated_size(model: Model, settings: Settings, rebuilds: bool | None = None) -> int:
    """Bytes of the file `compress` with ``settings`` then ``save`` would write: the arrays exactly, the
    header (the words as JSON) from the kept words, plus alignment slack. ``rebuilds``: `table_rebuilds`
    (computed when not given)."""
    if rebuilds is None:
        rebuilds = table_rebuilds(model)
    kept = len(model.words) if settings.keep_words is None else min(settings.keep_words, len(model.words))
    offsets = np.asarray(model.subword_offsets[: kept + 1])
    rows = np.asarray(model.subword_rows[: offsets[-1]])
    buckets = len(np.unique(rows[rows >= model.scheme.first_bucket_row(len(model.words))]))
    matrix_rows, dim = model.scheme.first_bucket_row(kept) + buckets, model.dim
    if settings.pq_subvectors:
        matrix = matrix_rows * settings.pq_subvectors + CENTROIDS * dim * 4
    else:
        matrix = matrix_rows * dim * (2 if settings.dtype == "float16" else 4)
    tables = 4 * kept + (0 if rebuilds else 4 * buckets + 8 * (kept + 1) + 4 * len(rows))  # `Model.query_arrays`
    extra = sum(int(a.nbytes) for a in model.pretokenizer.arrays().values())
    header = len(json.dumps(model.words[:kept], ensure_ascii=False).encode("utf-8")) + 8192
    return matrix + tables + extra + header + 64 * 12
