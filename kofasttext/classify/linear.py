"""`LinearClassifier`: logistic regression on review vectors, the classifier for few labelled texts.

A text's features are four means over its words (cut with the model's own pretokeniser):

* the mean of the words' vectors (any word has one: its subword rows; a word with no known row is left out);
* the same mean with SIF weights ``a / (a + p(word))``, ``a = SIF_WEIGHT``, ``p`` the word's share of the
  training corpus (0 for a word the model never counted, which takes the full weight 1): frequent, mostly
  neutral words count less (Arora et al., 2017, without their first-component removal);
* the plain and the SIF-weighted mean of the in-vocabulary words' output rows, when the model has one per
  word (skip-gram or CBOW with negative sampling; zero columns otherwise). The output rows are the
  "context" side of skip-gram; on NSMC with 1,500 reviews they added 0.2-0.3 points to the input means.

Nothing is fine-tuned, so the fit is seconds, and the only setting, the L2 penalty, is chosen by 5-fold
cross-validation on the training texts (`logistic.cross_validated_l2`: the lowest held-out cross-entropy over
`L2_GRID`). Measured on NSMC (benchmarks/RESULTS.md, "Label efficiency a third time"): with 1,500 labelled
reviews, 84.13% from a syllable model, 2.5-3 points above `TextClassifier`'s fine-tuned CNN; from about 15,000
on, the CNN is the better choice.
"""

from __future__ import annotations

import numpy as np

from ..errors import ModelFileError, UsageError
from ..logistic import LogisticRegression, cross_validated_l2, fit_logistic
from ..model import Model
from ..modelfile import expect_kind, read_model_file, write_model_file
from .data import check_labels, check_texts
from .predictions import Predictions

#: SIF's ``a``: a word whose corpus share is ``a`` counts half.
SIF_WEIGHT = 1e-3

#: The L2 penalties cross-validation chooses from. On NSMC mean review vectors the best was 0.03-0.1 with 1,500
#: reviews and 0.003-0.01 with 15,000 (the NSMC probe's fixed 1e-4 cost 1 point at 1,500).
L2_GRID = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1)

FOLDS = 5


def has_word_output_rows(model: Model) -> bool:
    """Whether ``model.output_matrix`` holds a row per vocabulary word (negative sampling), not the inner nodes
    of a tree (hierarchical softmax) or nothing."""
    config = model.config
    return model.output_matrix is not None and config.get("loss", "ns") == "ns" and config.get("model") in ("skipgram", "cbow")


def review_features(model: Model, texts: list[str]) -> np.ndarray:
    """float32 ``[len(texts), 4 * dim]``: the four means of the module docstring, in that order.

    Examples
    --------
    >>> review_features(model, ["정말 재밌었다", "시간 아까웠다"]).shape  # dim 100  # doctest: +SKIP
    (2, 400)
    """
    tokenised = list(model.pretokenizer.split_many(texts))
    distinct = sorted({word for words in tokenised for word in words})
    position = {word: i for i, word in enumerate(distinct)}
    vectors = model.embedding_matrix(distinct, warn=False) if distinct else np.zeros((0, model.dim), np.float32)
    has_vector = np.abs(vectors).sum(1) > 0
    counts = np.asarray(model.vocab.counts, dtype=np.float64)
    ids = np.array([model.vocab.id(word) for word in distinct], dtype=np.int64)
    share = np.where(ids >= 0, counts[np.maximum(ids, 0)] / max(counts.sum(), 1.0), 0.0)
    sif = (SIF_WEIGHT / (SIF_WEIGHT + share)).astype(np.float32)
    output = np.asarray(model.output_matrix) if has_word_output_rows(model) else None
    features = np.zeros((len(texts), 4, model.dim), dtype=np.float32)
    for i, words in enumerate(tokenised):
        index = np.array([position[word] for word in words], dtype=np.int64)
        known = index[has_vector[index]]
        if len(known):
            features[i, 0] = vectors[known].mean(0)
            features[i, 1] = (vectors[known] * sif[known, None]).mean(0)
        in_vocabulary = index[ids[index] >= 0]
        if output is not None and len(in_vocabulary):
            rows = output[ids[in_vocabulary]]
            features[i, 2] = rows.mean(0)
            features[i, 3] = (rows * sif[in_vocabulary, None]).mean(0)
    return features.reshape(len(texts), -1)


def fit_review_regression(
    features: np.ndarray, targets: np.ndarray, classes: int, l2: float | None, seed: int
) -> tuple[LogisticRegression, float, dict[float, dict[str, float]]]:
    """The regression on `review_features`, its penalty (``l2``, or None: cross-validated from `L2_GRID` over
    `FOLDS` folds seeded by ``seed``) and the cross-validation's scores per penalty (empty when ``l2`` was given).

    The regression comes back as its file holds it (float32), so that a saved and loaded classifier predicts
    exactly as the fitted one."""
    if l2 is None:
        chosen_l2, cross_validation = cross_validated_l2(features, targets, classes, L2_GRID, FOLDS, seed)
    else:
        chosen_l2, cross_validation = float(l2), {}
    regression = fit_logistic(features, targets, classes, chosen_l2)
    return LogisticRegression.from_arrays(regression.arrays(), features.shape[1], classes), chosen_l2, cross_validation


def stored_review_regression(arrays: dict, prefix: str, model: Model, classes: int) -> LogisticRegression:
    """The regression on ``model``'s `review_features` that a file holds as the arrays named ``prefix`` + name."""
    stored = {name[len(prefix) :]: a for name, a in arrays.items() if name.startswith(prefix)}
    return LogisticRegression.from_arrays(stored, 4 * model.dim, classes)


class LinearClassifier(Predictions):
    """Logistic regression on a model's review vectors (`review_features`), its L2 penalty cross-validated.

    Parameters
    ----------
    model : kofasttext.Model
        Supplies the vectors; it is not changed.
    l2 : float, optional
        The penalty; None (the default) chooses it from `L2_GRID` by 5-fold cross-validation.
    seed : int
        Seeds the cross-validation folds.

    Examples
    --------
    >>> clf = kft.LinearClassifier(kft.load("nsmc.kft")).fit(["정말 재밌었다", "시간 아까웠다"], [1, 0])  # doctest: +SKIP
    >>> clf.predict(["완전 재밌었음 ㅋㅋ"])  # doctest: +SKIP
    [1]
    >>> clf.save("nsmc.linear"); clf = kft.LinearClassifier.load("nsmc.linear")  # doctest: +SKIP
    """

    def __init__(self, model: Model, l2: float | None = None, seed: int = 0):
        if not isinstance(model, Model):
            raise UsageError("LinearClassifier needs a kofasttext Model")
        if l2 is not None and not (isinstance(l2, (int, float)) and np.isfinite(l2) and l2 >= 0):
            raise UsageError(f"l2 must be a finite number >= 0, not {l2!r}")
        self.model, self.l2, self.seed = model, l2, seed
        self.classes: list | None = None
        self.regression: LogisticRegression | None = None
        self.chosen_l2: float | None = None
        # {l2: {"loss", "accuracy"}} on the held-out folds, when l2 was chosen
        self.cross_validation: dict[float, dict[str, float]] = {}

    def fit(self, texts, labels) -> LinearClassifier:
        """Train on ``texts`` and their ``labels`` (0/1 or strings)."""
        texts = check_texts(texts)
        self.classes, targets = check_labels(labels, len(texts))
        features = review_features(self.model, texts)
        self.regression, self.chosen_l2, self.cross_validation = fit_review_regression(
            features, targets, len(self.classes), self.l2, self.seed
        )
        return self

    @property
    def holdout_accuracy(self) -> float | None:
        """The cross-validated accuracy of the chosen penalty (None when ``l2`` was given)."""
        scores = self.cross_validation.get(self.chosen_l2)
        return None if scores is None else scores["accuracy"]

    def _require_fitted(self) -> None:
        if self.regression is None:
            raise UsageError("this LinearClassifier is not trained yet: call fit() or load()")

    def predict_proba(self, texts) -> np.ndarray:
        """``[len(texts), len(classes)]`` class probabilities; columns in `classes` order."""
        self._require_fitted()
        return self.regression.probabilities(review_features(self.model, check_texts(texts)))

    def save(self, path: str) -> None:
        """Write the classifier to one file (atomic, no pickle): the model's query arrays, its output rows when the
        features use them, and the regression."""
        self._require_fitted()
        arrays = dict(self.model.query_arrays())
        if has_word_output_rows(self.model):
            arrays["output_matrix"] = np.asarray(self.model.output_matrix, dtype=np.float32)
        arrays.update({f"regression.{name}": value for name, value in self.regression.arrays().items()})
        config = {
            "model": self.model.config,
            "l2": self.l2,
            "seed": self.seed,
            "chosen_l2": self.chosen_l2,
            "cross_validation": [[l2, scores["loss"], scores["accuracy"]] for l2, scores in self.cross_validation.items()],
            "classes": self.classes,
        }
        write_model_file(path, "linear_classifier", config, self.model.words, arrays)

    @classmethod
    def load(cls, path: str) -> LinearClassifier:
        """Open a classifier written by `save` (or ``kofasttext classify train --linear``)."""
        kind, config, words, arrays = read_model_file(path)
        expect_kind(path, kind, "linear_classifier")
        try:
            model = Model.from_arrays(config["model"], words, arrays, source=path)
            classifier = cls(model, config["l2"], int(config["seed"]))
            classifier.classes = list(config["classes"])
            if len(classifier.classes) < 2:
                raise ValueError("it names fewer than two classes")
            classifier.chosen_l2 = float(config["chosen_l2"])
            classifier.cross_validation = {
                float(l2): {"loss": float(loss), "accuracy": float(accuracy)} for l2, loss, accuracy in config["cross_validation"]
            }
            classifier.regression = stored_review_regression(arrays, "regression.", model, len(classifier.classes))
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFileError(f"{path} is damaged: {error}") from None
        return classifier
