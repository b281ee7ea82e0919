"""Co-occurrence counts of word pairs within a window on one line, in bounded memory: what count-based
vectors start from (`ppmi`; GloVe will share it).

Pairs are counted a chunk of the corpus at a time (`PAIRS_PER_CHUNK` window positions) and merged into one
sorted list of distinct pairs, so memory grows with the number of distinct pairs, not with the corpus or
with ``vocabulary ** 2``.
"""

from __future__ import annotations

import numpy as np

from ..errors import UsageError
from ..progress import Progress

#: Window positions (token, offset) turned into pair keys at once. Each costs about
#: 25 bytes while its chunk is sorted and reduced, so 2**24 bound that step to ~420 MB.
PAIRS_PER_CHUNK = 1 << 24


def cooccurrence_counts(
    tokens: np.ndarray,
    line_starts: np.ndarray,
    nwords: int,
    window: int,
    pairs_per_chunk: int | None = None,
    bar: Progress | None = None,
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

    Returns
    -------
    first, second : np.ndarray of int32
        The pair's word ids, ``first <= second``, sorted by ``(first, second)``.
    counts : np.ndarray of int64
        ``sum(window - d + 1)`` over the pair's occurrences at distance ``d``
        (``window`` times the expected count of the trainer's random window). The
        symmetric counts are ``#(a, b) = #(b, a) = counts`` for ``a != b`` and
        ``#(a, a) = 2 * counts``: each occurrence of ``a`` sees the other.

    Examples
    --------
    >>> tokens = np.array([0, 1, 0, 2], dtype=np.int32)  # 영화 재밌다 영화 ㅋㅋ
    >>> first, second, counts = cooccurrence_counts(tokens, np.array([0, 4]), 3, window=2)
    >>> [(int(a), int(b), int(n)) for a, b, n in zip(first, second, counts)]
    [(0, 0, 1), (0, 1, 4), (0, 2, 2), (1, 2, 1)]
    """
    tokens = np.asarray(tokens)
    ntokens = len(tokens)
    line_of = np.repeat(np.arange(len(line_starts) - 1, dtype=np.int32), np.diff(line_starts))
    # A pair key holds both ids (lo * nwords + hi) and, in its low bits, d - 1; one
    # in-place sort of plain int64 then groups each pair and keeps its weights.
    shift = max(1, int(window - 1).bit_length())
    if (nwords * nwords) << shift >= 2**63:
        raise UsageError(f"a vocabulary of {nwords:,} words is too large to count pairs of")
    block = max(1, (pairs_per_chunk or PAIRS_PER_CHUNK) // window)
    total_keys = np.zeros(0, dtype=np.int64)
    total_counts = np.zeros(0, dtype=np.int64)
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
        weights = window - (keys & ((1 << shift) - 1))
        keys >>= shift
        first_of_run = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        chunk_keys, chunk_counts = keys[first_of_run], np.add.reduceat(weights, first_of_run)
        del keys, weights, first_of_run
        total_keys, total_counts = _merge(total_keys, total_counts, chunk_keys, chunk_counts)
        if bar is not None:
            bar.update(f"counting co-occurrences: {100 * end / ntokens:.0f}%, {len(total_keys):,} distinct pairs")
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
