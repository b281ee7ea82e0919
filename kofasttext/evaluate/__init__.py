"""Judging word vectors the way Korean users care about: unseen words and reviews.

Each measure is a function that takes `WordVectors` (a kofasttext `Model`, or any
other library's vectors wrapped by `WordVectors`) and returns a plain result.

Examples
--------
>>> from kofasttext import evaluate
>>> vectors = evaluate.WordVectors.from_model(kft.load("nsmc.kft"))  # doctest: +SKIP
>>> evaluate.oov_typos(vectors).hit_at_10  # doctest: +SKIP
>>> evaluate.logistic_probe(vectors).accuracy  # doctest: +SKIP
"""

from .analogy import AnalogyResult, analogies
from .classification import ProbeResult, logistic_probe
from .data import data_dir, read_nsmc
from .oov import NeighbourScore, oov_conjugations, oov_typos
from .similarity import SimilarityResult, word_similarity
from .vectors import WordVectors

__all__ = [
    "WordVectors",
    "data_dir",
    "read_nsmc",
    "logistic_probe",
    "ProbeResult",
    "oov_typos",
    "oov_conjugations",
    "NeighbourScore",
    "word_similarity",
    "SimilarityResult",
    "analogies",
    "AnalogyResult",
]
