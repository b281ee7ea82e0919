"""Word similarity: Spearman correlation of cosine similarity with human ratings
on the Korean WordSim-353 (``eval/ws353_ko.csv``, UTF-8 with a byte-order mark)."""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np

from .data import data_dir
from .vectors import WordVectors


@dataclass
class SimilarityResult:
    """What `word_similarity` measured.

    Attributes
    ----------
    spearman : float
        Over every pair.
    pairs : int
    pairs_in_vocabulary : int
        Pairs whose two words are both in the vocabulary (the others use subword vectors).
    spearman_in_vocabulary, spearman_with_unseen : float or None
        Over those pairs, and over the rest (a pair with at least one word outside the vocabulary); None for a
        part of fewer than 3 pairs. On a small corpus about half the pairs have an unseen word, and the two
        parts tell a vocabulary's vectors from its subwords' (RESULTS.md, issue 12: jamo on NSMC).
    """

    spearman: float
    pairs: int
    pairs_in_vocabulary: int
    spearman_in_vocabulary: float | None = None
    spearman_with_unseen: float | None = None

    def as_dict(self) -> dict:
        return {
            "spearman": self.spearman,
            "pairs": self.pairs,
            "in_vocabulary": self.pairs_in_vocabulary,
            "spearman_in_vocabulary": self.spearman_in_vocabulary,
            "spearman_with_unseen": self.spearman_with_unseen,
        }


def read_ws353(data=None) -> list[tuple[str, str, float]]:
    with open(data_dir(data) / "eval" / "ws353_ko.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    return [(a.strip(), b.strip(), float(score)) for a, b, score in rows[1:] if a and b]


def rank_with_ties(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, tied values sharing their average rank (as Spearman's rho needs)."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    start = 0
    for end in range(1, len(values) + 1):
        if end == len(values) or sorted_values[end] != sorted_values[start]:
            ranks[order[start:end]] = (start + end + 1) / 2
            start = end
    return ranks


def spearman(x, y) -> float:
    rx, ry = rank_with_ties(np.asarray(x, float)), rank_with_ties(np.asarray(y, float))
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denominator = np.sqrt((rx**2).sum() * (ry**2).sum())
    return float((rx * ry).sum() / denominator) if denominator > 0 else 0.0


def word_similarity(vectors: WordVectors, data=None) -> SimilarityResult:
    """Spearman's rho between cosine similarity and the human scores of WS353.

    Every pair is scored: a word outside the vocabulary gets its subword vector
    (a word with no vector at all gets cosine 0).

    Examples
    --------
    >>> word_similarity(WordVectors.from_model(model)).spearman  # jamo, NSMC  # doctest: +SKIP
    0.161
    """
    pairs = read_ws353(data)
    first = vectors.vectors_of([a for a, _, _ in pairs])
    second = vectors.vectors_of([b for _, b, _ in pairs])
    norms = np.linalg.norm(first, axis=1) * np.linalg.norm(second, axis=1)
    cosine = np.where(norms > 0, (first * second).sum(1) / np.maximum(norms, 1e-12), 0.0)
    human = np.array([s for _, _, s in pairs])
    known = np.array([a in vectors and b in vectors for a, b, _ in pairs], dtype=bool)

    def part(members: np.ndarray) -> float | None:
        return spearman(cosine[members], human[members]) if members.sum() >= 3 else None

    return SimilarityResult(spearman(cosine, human), len(pairs), int(known.sum()), part(known), part(~known))
