"""Review classification probe: logistic regression on mean word vectors of NSMC reviews.

This measures the embedding, not a classifier: the review vector is the plain
mean of its words' vectors (words cut by each model's own pretokeniser,
`WordVectors.tokenize`: `pretokenizers.split_words` unless the model was trained
on kiwi morphemes or sentencepiece pieces; words without a vector are left out
of the mean), and the classifier is linear.

Accuracy is also split by how much of a review the model does not know: its OOV share is the fraction of its word
tokens outside the model's vocabulary (so the split is per model: the same review can be 0% for one and 20% for
another). The buckets, `OOV_SHARE_BUCKETS`, are 0%, (0, 10%], (10, 25%], (25, 50%] and over 50%; the bounds
are compared as exact fractions, so 1 unknown word in 10 is in (0, 10%]. A review with no word token at all
(none in NSMC) counts as 0%. A word2vec-style model leaves unknown words out of the mean, a subword model gives
them a vector: the high-share buckets show what that is worth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..logistic import fit_logistic
from .data import read_nsmc
from .vectors import WordVectors

#: (label, upper bound of the OOV share as (numerator, denominator), inclusive); the first bucket is exactly 0.
OOV_SHARE_BUCKETS = (("0%", (0, 1)), ("(0,10%]", (1, 10)), ("(10,25%]", (1, 4)), ("(25,50%]", (1, 2)), (">50%", (1, 1)))


@dataclass
class ProbeResult:
    """What `logistic_probe` measured.

    Attributes
    ----------
    accuracy : float
        Share of NSMC test reviews classified right.
    train_reviews, test_reviews : int
    oov_share : float
        Share of all test word tokens not in the vocabulary.
    by_oov_share : dict
        ``{bucket label: {"reviews": n, "accuracy": float or None}}`` over `OOV_SHARE_BUCKETS`, in order; accuracy
        is None for an empty bucket.
    """

    accuracy: float
    train_reviews: int
    test_reviews: int
    oov_share: float
    by_oov_share: dict[str, dict]


def oov_share_buckets(oov_tokens: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """Index into `OOV_SHARE_BUCKETS` of each review with ``oov_tokens`` unknown words among ``tokens``.

    Examples
    --------
    >>> oov_share_buckets(np.array([0, 1, 1, 1, 3, 0]), np.array([5, 10, 4, 2, 4, 0])).tolist()
    [0, 1, 2, 3, 4, 0]
    """
    bucket = np.zeros(len(tokens), dtype=np.int64)
    for _, (numerator, denominator) in OOV_SHARE_BUCKETS[:-1]:
        # past this bucket's bound: oov / tokens > numerator / denominator, in integers so that 1/10 is not above 10%
        bucket += oov_tokens * denominator > numerator * tokens
    return bucket


def accuracy_by_oov_share(correct: np.ndarray, oov_tokens: np.ndarray, tokens: np.ndarray) -> dict[str, dict]:
    """Review count and accuracy in each `OOV_SHARE_BUCKETS` bucket (None where a bucket is empty)."""
    bucket = oov_share_buckets(oov_tokens, tokens)
    out = {}
    for i, (label, _) in enumerate(OOV_SHARE_BUCKETS):
        members = bucket == i
        reviews = int(members.sum())
        out[label] = {"reviews": reviews, "accuracy": float(correct[members].mean()) if reviews else None}
    return out


def review_vectors(vectors: WordVectors, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean word vector of each text, and per text its number of word tokens out of vocabulary and of all word
    tokens; words cut by ``vectors``' own tokeniser (`WordVectors.split_texts`)."""
    tokenised = list(vectors.split_texts(texts))
    distinct = sorted({word for words in tokenised for word in words})
    table = vectors.vectors_of(distinct)
    has_vector = np.linalg.norm(table, axis=1) > 0
    index = {word: i for i, word in enumerate(distinct)}
    out = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
    tokens = np.zeros(len(texts), dtype=np.int64)
    oov = np.zeros(len(texts), dtype=np.int64)
    for i, words in enumerate(tokenised):
        rows = [index[w] for w in words]
        tokens[i] = len(rows)
        oov[i] = sum(w not in vectors for w in words)
        rows = [r for r in rows if has_vector[r]]
        if rows:
            out[i] = table[rows].mean(0)
    return out, oov, tokens


def logistic_probe(vectors: WordVectors, data=None) -> ProbeResult:
    """NSMC test accuracy of logistic regression on mean review vectors, overall and by review OOV share.

    Examples
    --------
    >>> logistic_probe(WordVectors.from_model(model)).accuracy  # jamo, NSMC  # doctest: +SKIP
    0.848
    """
    train_texts, train_labels = read_nsmc("train", data)
    test_texts, test_labels = read_nsmc("test", data)
    train_x, _, _ = review_vectors(vectors, train_texts)
    test_x, oov, tokens = review_vectors(vectors, test_texts)
    regression = fit_logistic(train_x, np.asarray(train_labels))
    correct = regression.predict(test_x) == np.asarray(test_labels)
    oov_share = float(oov.sum() / max(int(tokens.sum()), 1))
    by_share = accuracy_by_oov_share(correct, oov, tokens)
    return ProbeResult(float(correct.mean()), len(train_texts), len(test_texts), oov_share, by_share)
