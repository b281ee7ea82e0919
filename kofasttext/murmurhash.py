"""MurmurHash3_x64_128, the hash floret (and spaCy's floret vectors) give every word and n-gram.

floret's ``Dictionary::murmurhash`` hashes a string's UTF-8 bytes with Austin Appleby's
``MurmurHash3_x64_128`` under the seed `FLORET_SEED` (both 64-bit halves start from it) and reads the
128-bit result ``(h1, h2)`` as four 32-bit keys ``[h1 & 0xffffffff, h1 >> 32, h2 & 0xffffffff, h2 >> 32]``;
an entry takes the first ``hash_count`` of them, each modulo the table's rows (`floret_keys`). Tail bytes
are read unsigned, as MurmurHash3's reference code does (fastText's FNV hash, by contrast, sign-extends).

`murmurhash3_x64_128_many` is the same hash vectorised over many strings (numpy's uint64 arithmetic wraps
modulo 2**64, as the C code's does), used to hash every n-gram of a vocabulary at once.
"""

from __future__ import annotations

import numpy as np

#: floret's ``MURMURHASH_SEED`` (it is FNV-1a's offset basis); spaCy's floret vectors use it too.
FLORET_SEED = 2166136261

_C1 = np.uint64(0x87C37B91114253D5)
_C2 = np.uint64(0x4CF5AD432745937F)
_MASK64 = 0xFFFFFFFFFFFFFFFF


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


def _fmix(k: np.ndarray) -> np.ndarray:
    k = k ^ (k >> np.uint64(33))
    k = k * np.uint64(0xFF51AFD7ED558CCD)
    k = k ^ (k >> np.uint64(33))
    k = k * np.uint64(0xC4CEB9FE1A85EC53)
    return k ^ (k >> np.uint64(33))


def _mix_k1(k1: np.ndarray) -> np.ndarray:
    return _rotl(k1 * _C1, 31) * _C2


def _mix_k2(k2: np.ndarray) -> np.ndarray:
    return _rotl(k2 * _C2, 33) * _C1


def murmurhash3_x64_128_many(texts: list[str], seed: int = FLORET_SEED) -> tuple[np.ndarray, np.ndarray]:
    """``MurmurHash3_x64_128`` of each string's UTF-8 bytes: the two 64-bit halves ``(h1, h2)`` as uint64 arrays.

    Examples
    --------
    >>> h1, h2 = murmurhash3_x64_128_many(["<한국어>"])
    >>> int(h1[0] & 0xFFFFFFFF), int(h1[0] >> 32)
    (3431370427, 47675278)
    """
    count = len(texts)
    if not count:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint64)
    encoded = [text.encode("utf-8") for text in texts]
    lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=count)
    blocks = int(lengths.max()) // 16 + 1  # every full 16-byte block, then the tail (maybe empty)
    padded = np.zeros((count, blocks * 16), dtype=np.uint8)  # zero past the end: a zero tail byte changes nothing
    flat = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    row = np.repeat(np.arange(count), lengths)
    padded[row, np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)] = flat
    words = padded.view("<u8").reshape(count, blocks, 2)  # little-endian 64-bit reads, as on x86
    h1 = np.full(count, seed & _MASK64, dtype=np.uint64)
    h2 = h1.copy()
    full_blocks = lengths // 16
    for block in range(blocks):
        k1, k2 = words[:, block, 0], words[:, block, 1]
        full = full_blocks > block
        tail = full_blocks == block
        # A full block mixes both halves into the state; the tail only xors its mixed words in (a missing
        # tail word is zero, and mixing zero gives zero, so the C code's length switch needs no branch here).
        m1, m2 = _mix_k1(k1), _mix_k2(k2)
        f1 = h1 ^ m1
        f1 = _rotl(f1, 27) + h2
        f1 = f1 * np.uint64(5) + np.uint64(0x52DCE729)
        f2 = h2 ^ m2
        f2 = _rotl(f2, 31) + f1
        f2 = f2 * np.uint64(5) + np.uint64(0x38495AB5)
        h1 = np.where(full, f1, np.where(tail, h1 ^ m1, h1))
        h2 = np.where(full, f2, np.where(tail, h2 ^ m2, h2))
    n = lengths.astype(np.uint64)
    h1, h2 = h1 ^ n, h2 ^ n
    h1 = h1 + h2
    h2 = h2 + h1
    h1, h2 = _fmix(h1), _fmix(h2)
    h1 = h1 + h2
    h2 = h2 + h1
    return h1, h2


def floret_keys(texts: list[str], hash_count: int) -> np.ndarray:
    """floret's first ``hash_count`` (1-4) 32-bit keys of each string, ``uint64 [len(texts), hash_count]``.

    Examples
    --------
    >>> floret_keys(["<가>"], 4).tolist()
    [[421031610, 3702755566, 1193655065, 646294116]]
    """
    h1, h2 = murmurhash3_x64_128_many(texts)
    low = np.uint64(0xFFFFFFFF)
    keys = np.stack([h1 & low, h1 >> np.uint64(32), h2 & low, h2 >> np.uint64(32)], axis=1)
    return keys[:, :hash_count]
