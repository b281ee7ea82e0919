"""The feed-forward network on review vectors (`classify.review_network`)."""

from __future__ import annotations

import numpy as np
import pytest

from kofasttext.classify import review_network
from kofasttext.classify.review_network import ReviewNetwork, fit_review_network


def _xor_task(n: int, seed: int):
    """Two classes no linear model separates: the sign of x0 * x1, on features of a large, uneven scale."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    return x * np.array([1000, 0.01, 1, 1, 1, 1], dtype=np.float32), y


def test_learns_what_a_linear_model_cannot_on_features_of_any_scale():
    x, y = _xor_task(2000, seed=0)
    test_x, test_y = _xor_task(1000, seed=1)
    network = fit_review_network(x, y, 2, seed=0)
    probabilities = network.probabilities(test_x)
    assert probabilities.shape == (1000, 2) and np.allclose(probabilities.sum(1), 1, atol=1e-5)
    assert (probabilities.argmax(1) == test_y).mean() > 0.9  # a linear model is at chance (0.5) here


def test_the_same_seed_gives_the_same_network_and_another_seed_another():
    x, y = _xor_task(400, seed=0)
    first, again, other = (fit_review_network(x, y, 2, seed=s) for s in (3, 3, 4))
    for name, value in first.arrays().items():
        np.testing.assert_array_equal(value, again.arrays()[name])
    assert not np.array_equal(first.hidden_weight, other.hidden_weight)


def test_more_classes_are_a_softmax_over_them():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=600)
    x = (np.eye(3)[y] + 0.1 * rng.normal(size=(600, 3))).astype(np.float32)
    network = fit_review_network(x, y, 3, seed=0)
    assert network.output_bias.shape == (3,) and (network.probabilities(x).argmax(1) == y).mean() > 0.95


def test_training_stops_patience_epochs_after_the_best_validation_accuracy(monkeypatch):
    """On labels of pure noise validation accuracy stops improving early, so far fewer than MAX_EPOCHS run."""
    import torch

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(500, 20)).astype(np.float32), rng.integers(0, 2, size=500)
    steps = {"n": 0}
    real_step = torch.optim.Adam.step

    def counting_step(self, *args, **kwargs):
        steps["n"] += 1
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", counting_step)
    monkeypatch.setattr(review_network, "PATIENCE", 3)
    fit_review_network(x, y, 2, seed=0)
    batches_per_epoch = -(-450 // review_network.BATCH)  # 50 of the 500 rows validate
    epochs = steps["n"] // batches_per_epoch
    assert steps["n"] % batches_per_epoch == 0 and 4 <= epochs < 40


def test_arrays_round_trip_and_wrong_shapes_are_refused():
    x, y = _xor_task(300, seed=0)
    network = fit_review_network(x, y, 2, seed=0)
    again = ReviewNetwork.from_arrays(network.arrays(), dim=6, classes=2)
    np.testing.assert_array_equal(again.probabilities(x), network.probabilities(x))
    with pytest.raises(ValueError, match="mean"):
        ReviewNetwork.from_arrays(network.arrays(), dim=7, classes=2)
    broken = {**network.arrays(), "output_weight": network.output_weight[:10]}
    with pytest.raises(ValueError, match="output_weight"):
        ReviewNetwork.from_arrays(broken, dim=6, classes=2)
