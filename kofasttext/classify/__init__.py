"""Review classification on a model's subwords: `TextClassifier` (a CNN over words, each word the sum of the
model's subword rows, fine-tuned), `LinearClassifier` (logistic regression on review vectors, for few labels),
and their labelled data (`data.read_labelled`)."""

from ..modelfile import read_model_file
from .classifier import ClassifierSettings, TextClassifier
from .data import read_labelled
from .linear import LinearClassifier


def load_classifier(path: str) -> TextClassifier | LinearClassifier:
    """The classifier in ``path``, of whichever kind it is (the header says; its arrays are memory-mapped, so
    reading it twice costs nothing)."""
    if read_model_file(path).kind == "linear_classifier":
        return LinearClassifier.load(path)
    return TextClassifier.load(path)


__all__ = ["ClassifierSettings", "LinearClassifier", "TextClassifier", "load_classifier", "read_labelled"]
