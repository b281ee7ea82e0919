"""Judging word vectors the way Korean users care about: unseen words and reviews.

Each measure is a function that takes `WordVectors` (a kofasttext `Model`, or any
other library's vectors wrapped by `WordVectors`) and returns a plain result.
The OOV query sets are built once and scored for every model compared
(`oov_query_sets`, `score_queries`); `report.evaluate_all` does all of it.

Examples
--------
>>> from kofasttext import evaluate
>>> vectors = evaluate.WordVectors.from_model(kft.load("nsmc.kft"))  # doctest: +SKIP
>>> sets = evaluate.oov_query_sets(vectors.words, ["nsmc/corpus.txt.gz"])  # doctest: +SKIP
>>> evaluate.score_queries(vectors, sets["typos"]).hit_at_10  # doctest: +SKIP
>>> evaluate.logistic_probe(vectors).accuracy  # doctest: +SKIP
"""

from .analogy import AnalogyResult, analogies
from .data import corpus_words, data_dir, read_nsmc
from .oov import (
    NeighbourScore,
    QuerySet,
    conjugation_queries,
    oov_conjugations,
    oov_query_sets,
    oov_typos,
    score_queries,
    typo_queries,
)
from .probe import OOV_SHARE_BUCKETS, ProbeResult, logistic_probe
from .similarity import SimilarityResult, word_similarity
from .vectors import WordVectors

__all__ = [
    "OOV_SHARE_BUCKETS",
    "AnalogyResult",
    "NeighbourScore",
    "ProbeResult",
    "QuerySet",
    "SimilarityResult",
    "WordVectors",
    "analogies",
    "conjugation_queries",
    "corpus_words",
    "data_dir",
    "logistic_probe",
    "oov_conjugations",
    "oov_query_sets",
    "oov_typos",
    "read_nsmc",
    "score_queries",
    "typo_queries",
    "word_similarity",
]
