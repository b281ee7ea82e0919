"""Co-occurrence counts of word pairs within a window on one line, in bounded memory: what count-based
vectors start from (`baselines.ppmi` and `training.glove` share it).

Pairs are counted a chunk of the corpus at a time (`PAIRS_PER_CHUNK` window positions) and merged into one
sorted list of distinct pairs, so memory grows with the number of distinct pairs, not with the corpus or
with ``vocabulary ** 2``. When those distinct pairs pass ``memory_budget`` (a corpus with more distinct
pairs than memory holds), the sorted list so far is written to a temporary file (a "run") and counting
starts a new one; at the end the runs are merged one range of pair keys at a time, each range small
enough for the budget, as an external merge sort does. The temporaries live in one temporary folder that is
removed on success and on error alike. The result (16 bytes a distinct pair) is returned in memory: the
counts' users (PPMI's sparse matrix, GloVe's shuffled entries) need it there.

Two weightings of an occurrence at distance ``d`` (``WEIGHTINGS``):

- ``"linear"``: ``window - d + 1``, an integer (int64 counts): ``window`` times the probability that the
  skip-gram trainer's random window reaches ``d`` (PPMI, to compare with skip-gram);
- ``"harmonic"``: ``1 / d``, float64 counts: GloVe's weighting (Pennington et al. 2014, section 4.2), as the
  reference ``cooccur`` program weighs its symmetric window.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from ..errors import UsageError
from ..progress import Progress

#: Window positions (token, offset) turned into pair keys at once. Each costs about
#: 25 bytes while its chunk is sorted and reduced, so 2**24 bound that step to ~420 MB.
PAIRS_PER_CHUNK = 1 << 24

#: Bytes the distinct pairs counted so far may take before they are spilled to disk as a run. A distinct
#: pair costs about 40 bytes while a chunk is merged into them (16 at rest), so 2 GiB hold ~54M pairs.
MEMORY_BUDGET = 2 << 30

#: Bytes a distinct pair costs while chunks are merged into the list (keys, counts, the merge's order).
_BYTES_PER_MERGED_PAIR = 40

#: How an occurrence at distance ``d`` counts: see the module docstring.
WEIGHTINGS = ("linear", "harmonic")


def cooccurrence_counts(
    tokens: np.ndarray,
    line_starts: np.ndarray,
    nwords: int,
    window: int,
    pairs_per_chunk: int | None = None,
    bar: Progress | None = None,
    weighting: str = "linear",
    memory_budget: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted co-occurrence counts of unordered word pairs within ``window`` on one line.

    Parameters
    ----------
    tokens, line_starts : np.ndarray
        A `corpus.EncodedCorpus`'s arrays: ids of the kept tokens, and where each
        line starts.
    nwords : int
        Vocabulary size (ids are ``0..nwords-1``).
    window : int
    pairs_per_chunk : int, optional
        Window positions handled at once (default `PAIRS_PER_CHUNK`): the bound
        on this step's memory. The result does not depend on it.
    weighting : {"linear", "harmonic"}
        ``window - d + 1`` (int64) or ``1 / d`` (float64) per occurrence at distance ``d``.
    memory_budget : int, optional
        Bytes the distinct pairs may take before they are spilled to disk (default
        `MEMORY_BUDGET`). The result does not depend on it (up to float64 rounding
        of the harmonic sums, whose order of addition it changes).

    Returns
    -------
    first, second : np.ndarray of int32
        The pair's word ids, ``first <= second``, sorted by ``(first, second)``.
    counts : np.ndarray of int64 (linear) or float64 (harmonic)
        The sum of the weights of the pair's occurrences. The symmetric counts are
        ``#(a, b) = #(b, a) = counts`` for ``a != b`` and ``#(a, a) = 2 * counts``:
        each occurrence of ``a`` sees the other.

    Examples
    --------
    >>> tokens = np.array([0, 1, 0, 2], dtype=np.int32)  # 영화 재밌다 영화 ㅋㅋ
    >>> first, second, counts = cooccurrence_counts(tokens, np.array([0, 4]), 3, window=2)
    >>> [(int(a), int(b), int(n)) for a, b, n in zip(first, second, counts)]
    [(0, 0, 1), (0, 1, 4), (0, 2, 2), (1, 2, 1)]
    >>> _, _, counts = cooccurrence_counts(tokens, np.array([0, 4]), 3, window=2, weighting="harmonic")
    >>> counts.tolist()  # 영화-영화 at d=2; 영화-재밌다 at 1, 1; 영화-ㅋㅋ at 1 and 3 (beyond the window); ...
    [0.5, 2.0, 1.0, 0.5]
    """
    if weighting not in WEIGHTINGS:
        raise UsageError(f"unknown co-occurrence weighting {weighting!r}; choose {' or '.join(WEIGHTINGS)}")
    tokens = np.asarray(tokens)
    ntokens = len(tokens)
    line_of = np.repeat(np.arange(len(line_starts) - 1, dtype=np.int32), np.diff(line_starts))
    # A pair key holds both ids (lo * nwords + hi) and, in its low bits, d - 1; one
    # in-place sort of plain int64 then groups each pair and keeps its weights.
    shift = max(1, int(window - 1).bit_length())
    if (nwords * nwords) << shift >= 2**63:
        raise UsageError(f"a vocabulary of {nwords:,} words is too large to count pairs of")
    block = max(1, (pairs_per_chunk or PAIRS_PER_CHUNK) // window)
    spill_at = max(1, (MEMORY_BUDGET if memory_budget is None else memory_budget) // _BYTES_PER_MERGED_PAIR)
    count_dtype = np.int64 if weighting == "linear" else np.float64
    total_keys = np.zeros(0, dtype=np.int64)
    total_counts = np.zeros(0, dtype=count_dtype)
    with tempfile.TemporaryDirectory(prefix="kofasttext-pairs-") as spill_dir:
        runs: list[str] = []
        for start in range(0, ntokens, block):
            end = min(start + block, ntokens)
            pieces = []
            for d in range(1, window + 1):
                stop = min(end, ntokens - d)
                if stop <= start:
                    break
                same_line = line_of[start:stop] == line_of[start + d : stop + d]
                a = tokens[start:stop][same_line]
                b = tokens[start + d : stop + d][same_line]
                lo = np.minimum(a, b).astype(np.int64)
                lo *= nwords
                lo += np.maximum(a, b)
                lo <<= shift
                lo |= d - 1
                pieces.append(lo)
            keys = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
            del pieces
            if len(keys) == 0:  # every pair of this chunk crosses a line end
                continue
            keys.sort()
            distance = (keys & ((1 << shift) - 1)) + 1
            weights = window + 1 - distance if weighting == "linear" else 1.0 / distance
            del distance
            keys >>= shift
            first_of_run = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
            chunk_keys, chunk_counts = keys[first_of_run], np.add.reduceat(weights, first_of_run)
            del keys, weights, first_of_run
            total_keys, total_counts = _merge(total_keys, total_counts, chunk_keys, chunk_counts)
            if len(total_keys) > spill_at:
                runs.append(_write_run(spill_dir, len(runs), total_keys, total_counts))
                total_keys, total_counts = total_keys[:0], total_counts[:0]
            if bar is not None:
                spilled = f", {len(runs)} run(s) on disk" if runs else ""
                bar.update(f"counting co-occurrences: {100 * end / ntokens:.0f}%, {len(total_keys):,} distinct pairs{spilled}")
        if runs:
            if len(total_keys):
                runs.append(_write_run(spill_dir, len(runs), total_keys, total_counts))
            del total_keys, total_counts
            total_keys, total_counts = _merge_runs(runs, spill_at, bar)
    return (total_keys // nwords).astype(np.int32), (total_keys % nwords).astype(np.int32), total_counts


def _merge(keys_a, counts_a, keys_b, counts_b) -> tuple[np.ndarray, np.ndarray]:
    """Sum two sorted, duplicate-free (key, count) lists into one."""
    if len(keys_a) == 0:
        return keys_b, counts_b
    keys = np.concatenate((keys_a, keys_b))
    # A stable sort of two sorted runs is one linear merge (timsort finds the runs).
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    counts = np.concatenate((counts_a, counts_b))[order]
    del order
    first_of_run = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    return keys[first_of_run], np.add.reduceat(counts, first_of_run)


def _write_run(folder: str, index: int, keys: np.ndarray, counts: np.ndarray) -> str:
    """One sorted run to ``folder`` (two .npy files, read back memory-mapped); its path prefix."""
    prefix = os.path.join(folder, f"run{index:05d}")
    np.save(prefix + ".keys.npy", keys)
    np.save(prefix + ".counts.npy", counts)
    return prefix


def _merge_runs(runs: list[str], range_pairs: int, bar: Progress | None) -> tuple[np.ndarray, np.ndarray]:
    """The sorted runs on disk summed into one list, a range of keys at a time.

    The range boundaries are every ``step``-th key of each run, pooled and sorted: between two consecutive
    pooled samples each run has at most ``step + 1`` keys, so ``len(runs)`` consecutive sample intervals hold
    at most ``len(runs) ** 2 * (step + 1)`` entries, about ``range_pairs``: the merge's memory stays within
    the budget whatever the number of runs.
    """
    keys = [np.load(prefix + ".keys.npy", mmap_mode="r") for prefix in runs]
    counts = [np.load(prefix + ".counts.npy", mmap_mode="r") for prefix in runs]
    step = max(1, range_pairs // len(runs) ** 2)
    samples = np.unique(np.concatenate([k[step::step] for k in keys]))
    bounds = np.concatenate((samples[:: len(runs)], [np.iinfo(np.int64).max]))
    out_keys, out_counts = [], []
    low = np.iinfo(np.int64).min
    for number, high in enumerate(bounds):
        part_keys, part_counts = [], []
        for k, c in zip(keys, counts):
            a, b = np.searchsorted(k, (low, high))
            if high == bounds[-1]:
                b = len(k)
            part_keys.append(np.asarray(k[a:b]))
            part_counts.append(np.asarray(c[a:b]))
        merged = np.concatenate(part_keys)
        if len(merged):
            order = np.argsort(merged, kind="stable")
            merged = merged[order]
            summed = np.concatenate(part_counts)[order]
            first_of_run = np.flatnonzero(np.concatenate(([True], merged[1:] != merged[:-1])))
            out_keys.append(merged[first_of_run])
            out_counts.append(np.add.reduceat(summed, first_of_run))
        low = high
        if bar is not None:
            bar.update(f"merging {len(runs)} runs of co-occurrences: {100 * (number + 1) / len(bounds):.0f}%")
    del keys, counts  # the memory maps, before the folder is removed
    return np.concatenate(out_keys), np.concatenate(out_counts)
