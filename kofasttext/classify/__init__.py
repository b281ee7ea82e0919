"""Review classification on a model's subwords: `TextClassifier` (a CNN over words, each word the sum of the
model's subword rows, fine-tuned) and its labelled data (`data.read_labelled`)."""

from .classifier import ClassifierSettings, TextClassifier
from .data import read_labelled

__all__ = ["ClassifierSettings", "TextClassifier", "read_labelled"]
