"""Review classification probe: logistic regression on mean word vectors of NSMC reviews.

This measures the embedding, not a classifier: the review vector is the plain
mean of its words' vectors (words cut by `pretokenize.split_words`, the same for
every model compared; words without a vector are left out of the mean), and the
classifier is linear.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..pretokenize import split_words
from .data import read_nsmc
from .vectors import WordVectors


@dataclass
class ProbeResult:
    accuracy: float
    train_reviews: int
    test_reviews: int
    oov_share: float  # share of test word tokens not in the vocabulary


def review_vectors(vectors: WordVectors, texts: list[str]) -> tuple[np.ndarray, float]:
    """Mean word vector of each text, and the share of word tokens out of vocabulary."""
    tokenised = [split_words(text) for text in texts]
    distinct = sorted({word for words in tokenised for word in words})
    table = vectors.vectors_of(distinct)
    has_vector = np.linalg.norm(table, axis=1) > 0
    index = {word: i for i, word in enumerate(distinct)}
    out = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
    tokens = oov = 0
    for i, words in enumerate(tokenised):
        rows = [index[w] for w in words]
        tokens += len(rows)
        oov += sum(w not in vectors for w in words)
        rows = [r for r in rows if has_vector[r]]
        if rows:
            out[i] = table[rows].mean(0)
    return out, oov / max(tokens, 1)


def fit_logistic(features: np.ndarray, labels: np.ndarray, l2: float = 1e-4, steps: int = 200):
    """Standardised features, L2-regularised logistic regression by full-batch L-BFGS."""
    mean, std = features.mean(0), features.std(0) + 1e-8
    x = torch.from_numpy((features - mean) / std).double()
    y = torch.from_numpy(labels.astype(np.float64))
    weight = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS([weight, bias], max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        optimiser.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(x @ weight + bias, y) + l2 * weight.square().sum()
        loss.backward()
        return loss

    optimiser.step(closure)
    w, b = weight.detach().numpy(), float(bias.detach())

    def predict(new_features: np.ndarray) -> np.ndarray:
        return (((new_features - mean) / std) @ w + b > 0).astype(np.int64)

    return predict


def logistic_probe(vectors: WordVectors, data=None) -> ProbeResult:
    """NSMC test accuracy of logistic regression on mean review vectors.

    Examples
    --------
    >>> logistic_probe(WordVectors.from_model(model)).accuracy  # jamo, NSMC  # doctest: +SKIP
    0.848
    """
    train_texts, train_labels = read_nsmc("train", data)
    test_texts, test_labels = read_nsmc("test", data)
    train_x, _ = review_vectors(vectors, train_texts)
    test_x, oov_share = review_vectors(vectors, test_texts)
    predict = fit_logistic(train_x, np.asarray(train_labels))
    accuracy = float((predict(test_x) == np.asarray(test_labels)).mean())
    return ProbeResult(accuracy, len(train_texts), len(test_texts), oov_share)
