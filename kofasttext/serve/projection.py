"""The 2-D map of a neighbourhood: the query and its neighbours, projected by PCA onto their two main axes.

PCA rather than t-SNE or UMAP: with ten to a hundred points it is exact, instant and the same on every call,
and distances along its axes mean what they look like (t-SNE's do not). The vectors are scaled to unit length
first, as the neighbours were found by cosine. The page only draws the points it is given.
"""

from __future__ import annotations

import numpy as np


def project_2d(vectors: np.ndarray) -> np.ndarray:
    """``[n, 2]`` coordinates in ``[-1, 1]`` of ``n`` vectors (``[n, dim]``) on their two main axes.

    Each axis is flipped so that the first point's coordinate is not positive (the query sits left and low,
    whatever sign the SVD picked), then both are scaled by one factor, so the map keeps its proportions.
    Fewer than three points, or points that do not span two directions, give zeros on the missing axes.

    Examples
    --------
    >>> points = project_2d(np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]]))
    >>> points.shape, bool(np.abs(points).max() <= 1.0)
    ((4, 2), True)
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    coordinates = np.zeros((len(vectors), 2))
    if len(vectors) < 2:
        return coordinates
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))[:, None]
    centred = vectors / np.maximum(norms, 1e-12)
    centred -= centred.mean(axis=0)
    # The principal coordinates from the n x n Gram matrix (n points, n << dim): its eigenvectors scaled by the
    # square roots of its eigenvalues are the SVD's U * S, at a fraction of the SVD's cost per request.
    eigenvalues, eigenvectors = np.linalg.eigh(centred @ centred.T)  # ascending
    top = eigenvalues[::-1][:2]
    used = int((top > 1e-18).sum())
    coordinates[:, :used] = eigenvectors[:, ::-1][:, :used] * np.sqrt(top[:used])
    for axis in range(used):
        if coordinates[0, axis] > 0:
            coordinates[:, axis] *= -1
    extent = np.abs(coordinates).max()
    return coordinates / extent if extent > 0 else coordinates
