"""Logistic regression on fixed features, by full-batch L-BFGS: what the NSMC probe judges embeddings with
(`evaluate.probe`) and what `classify.LinearClassifier` fits.

Semantics (tested in ``tests/test_linear_classifier.py``):

* Features are standardised with the training set's mean and standard deviation (plus 1e-8), so one ``l2``
  suits features of any scale.
* Two classes: one logit, ``sigmoid(x @ w + b)`` for the second class; more: one logit per class (softmax).
  The loss is the mean cross-entropy plus ``l2 * sum(w ** 2)`` (the bias is not penalised).
* `cross_validated_l2` picks ``l2`` from a grid by the k-fold cross-entropy on the training set (ties: the
  larger ``l2``, the simpler model); row ``i`` is in fold ``permutation[i] % k`` of one seeded permutation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class LogisticRegression:
    """A fitted model: ``scores`` are its logits, one column (two classes) or one per class."""

    mean: np.ndarray  # float64 [d]
    std: np.ndarray  # float64 [d]
    weight: np.ndarray  # float64 [d, 1] for two classes, [d, classes] otherwise
    bias: np.ndarray  # float64 [1] or [classes]

    def scores(self, features: np.ndarray) -> np.ndarray:
        return ((features - self.mean) / self.std) @ self.weight + self.bias

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """[n, classes]: each row sums to 1."""
        scores = self.scores(features)
        if scores.shape[1] == 1:
            second = np.exp(-np.logaddexp(0.0, -scores[:, 0]))  # sigmoid, without overflow at large |score|
            return np.stack([1.0 - second, second], axis=1)
        scores = scores - scores.max(1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(1, keepdims=True)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """int64 [n]: the most probable class of each row."""
        scores = self.scores(features)
        if scores.shape[1] == 1:
            return (scores[:, 0] > 0).astype(np.int64)
        return scores.argmax(1).astype(np.int64)

    def arrays(self) -> dict[str, np.ndarray]:
        """The four arrays as float32 (what a model file holds), named as `from_arrays` reads them."""
        return {name: getattr(self, name).astype(np.float32) for name in ("mean", "std", "weight", "bias")}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], dim: int, classes: int) -> LogisticRegression:
        """Read back `arrays`; a `ValueError` unless their shapes are those of ``dim`` features and ``classes``."""
        outputs = 1 if classes == 2 else classes
        expected = {"mean": (dim,), "std": (dim,), "weight": (dim, outputs), "bias": (outputs,)}
        for name, shape in expected.items():
            if name not in arrays or tuple(arrays[name].shape) != shape:
                raise ValueError(f"its {name} is missing or not of shape {shape}")
        return cls(*(np.array(arrays[name], dtype=np.float64) for name in expected))


def fit_logistic(
    features: np.ndarray, targets: np.ndarray, classes: int = 2, l2: float = 1e-4, steps: int = 200
) -> LogisticRegression:
    """Fit ``targets`` (class indices ``0..classes - 1``) from ``features`` ([n, d]); see the module docstring."""
    mean, std = features.mean(0).astype(np.float64), features.std(0).astype(np.float64) + 1e-8
    x = torch.from_numpy((features - mean) / std).double()
    outputs = 1 if classes == 2 else classes
    weight = torch.zeros(x.shape[1], outputs, dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(outputs, dtype=torch.float64, requires_grad=True)
    if outputs == 1:
        y = torch.from_numpy(np.asarray(targets, dtype=np.float64))

        def data_loss():
            return torch.nn.functional.binary_cross_entropy_with_logits((x @ weight)[:, 0] + bias, y)
    else:
        y = torch.from_numpy(np.asarray(targets, dtype=np.int64))

        def data_loss():
            return torch.nn.functional.cross_entropy(x @ weight + bias, y)

    optimiser = torch.optim.LBFGS([weight, bias], max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        optimiser.zero_grad()
        loss = data_loss() + l2 * weight.square().sum()
        loss.backward()
        return loss

    optimiser.step(closure)
    return LogisticRegression(mean, std, weight.detach().numpy(), bias.detach().numpy())


def cross_validated_l2(
    features: np.ndarray, targets: np.ndarray, classes: int, grid, folds: int = 5, seed: int = 0, steps: int = 200
) -> tuple[float, dict[float, dict[str, float]]]:
    """``(best l2, {l2: {"loss": held-out cross-entropy, "accuracy": held-out accuracy}})`` over ``grid``, by
    ``folds``-fold cross-validation on the given rows; the best has the lowest loss.

    The loss, not the accuracy, chooses: on 1,500 NSMC reviews held-out accuracy moved by a few reviews between
    neighbouring penalties (its best was at the grid's edge for one seed), the loss less. With one value in
    ``grid``, or fewer than 2 rows, that value (the largest) is returned with no scores.
    """
    grid = sorted(float(value) for value in grid)
    folds = min(folds, len(targets))
    if folds < 2 or len(grid) == 1:
        return grid[-1], {}
    part = np.random.default_rng(seed).permutation(len(targets)) % folds
    scores = {}
    for l2 in grid:
        loss = correct = 0.0
        for fold in range(folds):
            train, test = part != fold, part == fold
            model = fit_logistic(features[train], targets[train], classes, l2, steps)
            probabilities = model.probabilities(features[test])
            loss -= np.log(np.maximum(probabilities[np.arange(test.sum()), targets[test]], 1e-12)).sum()
            correct += (probabilities.argmax(1) == targets[test]).sum()
        scores[l2] = {"loss": float(loss / len(targets)), "accuracy": float(correct / len(targets))}
    best = min(grid, key=lambda l2: (scores[l2]["loss"], -l2))
    return best, scores
