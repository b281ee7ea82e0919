"""What every classifier answers once it has class probabilities: labels, the best label's probability, accuracy."""

from __future__ import annotations

import numpy as np

from ..errors import UsageError


class Predictions:
    """The answers built on ``predict_proba(texts)`` (``[len(texts), len(classes)]``) and ``classes``, which a
    classifier defines."""

    classes: list | None

    def predict(self, texts) -> list:
        """The most probable class of each text (the labels given to `fit`)."""
        return self.predict_with_probability(texts)[0]

    def predict_with_probability(self, texts) -> tuple[list, np.ndarray]:
        """The most probable class of each text, and its probability."""
        probabilities = self.predict_proba(texts)
        best = probabilities.argmax(1)
        return [self.classes[i] for i in best], probabilities[np.arange(len(best)), best]

    def score(self, texts, labels) -> float:
        """Accuracy on ``texts`` with known ``labels``."""
        predicted = self.predict(texts)
        labels = list(labels)
        if len(labels) != len(predicted):
            raise UsageError(f"{len(predicted)} texts but {len(labels)} labels")
        return float(np.mean([p == label for p, label in zip(predicted, labels)]))
