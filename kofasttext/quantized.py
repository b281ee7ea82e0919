"""Product-quantised matrices: rows stored as one byte per subvector, decoded when read.

A ``[rows, dim]`` float32 matrix is cut into ``subvectors`` column blocks of ``dim / subvectors`` columns.
Each block has its own codebook of up to 256 centroids (k-means over the block's rows), and each row keeps,
per block, the index of its nearest centroid: ``rows x subvectors`` bytes instead of ``rows x dim x 4``.
A row is read back as the concatenation of its centroids (`QuantizedMatrix.__getitem__`), so a model whose
input matrix is quantised answers every query as before, from vectors that are slightly off.

The k-means (Lloyd's algorithm, plain numpy) is fitted on at most `FIT_ROWS` rows drawn at random and then
encodes every row; its choices are written where it makes them.
"""

from __future__ import annotations

import numpy as np

from .errors import ModelFileError

#: Centroids per codebook: one byte per code.
CENTROIDS = 256
#: Rows the k-means sees (drawn at random without replacement): 64 per centroid, and fitting stays well
#: under a second per block whatever the matrix's size.
FIT_ROWS = 16_384
#: Lloyd iterations (a fixed count: the fit takes the same time every run).
ITERATIONS = 15
_ENCODE_CHUNK = 65_536  # rows encoded at a time: bounds the [chunk, 256] distance matrix


class QuantizedMatrix:
    """A read-only ``[rows, dim]`` float32 matrix held as product-quantisation codes.

    Parameters
    ----------
    codes : np.ndarray of uint8, shape (rows, subvectors)
    codebooks : np.ndarray of float32, shape (subvectors, centroids, dim // subvectors)

    Indexing with an int, a slice or an array of row ids gives decoded float32 rows, as a numpy matrix
    would; ``np.asarray`` decodes all of it.

    Examples
    --------
    >>> matrix = QuantizedMatrix.fit(np.random.default_rng(0).normal(size=(1000, 8)).astype(np.float32), 4)
    >>> matrix.shape, matrix[[0, 1]].shape, matrix.codes.shape
    ((1000, 8), (2, 8), (1000, 4))
    """

    dtype = np.dtype(np.float32)

    def __init__(self, codes: np.ndarray, codebooks: np.ndarray):
        self.codes = codes
        self.codebooks = codebooks

    @classmethod
    def from_arrays(cls, codes: np.ndarray, codebooks: np.ndarray, source: str) -> QuantizedMatrix:
        """The matrix of a file's ``input_codes`` and ``input_codebooks``, checked; ``source`` names the file
        in errors. A code that points past its codebook would decode to garbage, so it is refused here."""
        if (
            codes.ndim != 2
            or codebooks.ndim != 3
            or codes.dtype != np.uint8
            or codebooks.dtype != np.float32
            or codes.shape[1] != codebooks.shape[0]
            or not 1 <= codebooks.shape[1] <= CENTROIDS
        ):
            raise ModelFileError(f"{source} is damaged: its codes do not match its codebooks")
        if len(codes) and int(codes.max(initial=0)) >= codebooks.shape[1]:
            raise ModelFileError(
                f"{source} is damaged: a code points past its codebook ({int(codes.max())} >= {codebooks.shape[1]})"
            )
        return cls(codes, codebooks)

    @classmethod
    def fit(cls, matrix: np.ndarray, subvectors: int, seed: int = 0, log=None) -> QuantizedMatrix:
        """Quantise ``matrix`` (float32 ``[rows, dim]``, ``dim`` divisible by ``subvectors``); ``log`` is
        called with a progress line after each codebook and each block of encoded rows."""
        rows, dim = matrix.shape
        if subvectors < 1 or dim % subvectors:
            raise ValueError(f"subvectors must divide the dimension {dim}; got {subvectors}")
        width = dim // subvectors
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(rows, size=min(rows, FIT_ROWS), replace=False))
        fitted = np.asarray(matrix[sample], dtype=np.float32)
        centroids = min(CENTROIDS, len(fitted))
        log = log or (lambda line: None)
        codebooks = []
        for m in range(subvectors):
            codebooks.append(_kmeans(fitted[:, m * width : (m + 1) * width], centroids, rng))
            log(f"product quantisation: codebook {m + 1}/{subvectors}")
        codebooks = np.stack(codebooks)
        codes = np.empty((rows, subvectors), dtype=np.uint8)
        for start in range(0, rows, _ENCODE_CHUNK):
            log(f"product quantisation: encoding rows {start:,}/{rows:,}")
            block = np.asarray(matrix[start : start + _ENCODE_CHUNK], dtype=np.float32)
            for m in range(subvectors):
                codes[start : start + len(block), m] = _nearest(block[:, m * width : (m + 1) * width], codebooks[m])
        return cls(codes, codebooks)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.codes), self.codebooks.shape[0] * self.codebooks.shape[2])

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, rows) -> np.ndarray:
        codes = np.asarray(self.codes[rows])
        subvectors = np.arange(self.codebooks.shape[0])
        decoded = self.codebooks[subvectors, codes]  # [..., subvectors, width]
        return decoded.reshape(*codes.shape[:-1], self.shape[1])

    def __array__(self, dtype=None, copy=None):
        decoded = np.concatenate([self[start : start + _ENCODE_CHUNK] for start in range(0, len(self), _ENCODE_CHUNK)])
        return decoded if dtype is None else decoded.astype(dtype, copy=False)


def _kmeans(points: np.ndarray, centroids: int, rng: np.random.Generator) -> np.ndarray:
    """Lloyd's k-means from ``centroids`` distinct points drawn at random; a centroid that loses all its
    points is moved onto a random point (so every code stays in use). Returns float32 ``[centroids, width]``."""
    centres = points[rng.choice(len(points), size=centroids, replace=False)].copy()
    for _ in range(ITERATIONS):
        assignment = _nearest(points, centres)
        sizes = np.bincount(assignment, minlength=centroids)
        sums = np.stack([np.bincount(assignment, weights=column, minlength=centroids) for column in points.T], axis=1)
        empty = sizes == 0
        centres[~empty] = sums[~empty] / sizes[~empty, None]
        centres[empty] = points[rng.choice(len(points), size=int(empty.sum()))]
    return centres.astype(np.float32)


def _nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of each point's nearest centre (squared Euclidean distance; ||p||^2 is the same for every
    centre, so it is left out). One-column blocks are looked up among the sorted centres' midpoints instead:
    the same answer (ties aside) without a [points, centres] matrix."""
    if centres.shape[1] == 1:
        order = np.argsort(centres[:, 0], kind="stable")
        ordered = centres[order, 0]
        return order[np.searchsorted((ordered[1:] + ordered[:-1]) / 2, points[:, 0])]
    distances = (centres * centres).sum(1)[None, :] - 2.0 * points @ centres.T
    return distances.argmin(1)
