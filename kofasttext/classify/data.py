"""The inputs of a text classifier: labelled texts read from a .tsv file, and the checks every text and label
list passes before training or prediction."""

from __future__ import annotations

import numpy as np

from ..corpus import TSV_SUFFIXES, check_text, iter_lines
from ..errors import CorpusError, UsageError


def check_texts(texts, what: str = "texts") -> list[str]:
    if isinstance(texts, str):
        raise UsageError(f"{what} must be a list of strings, not one string")
    texts = list(texts)
    if not texts:
        raise UsageError(f"no {what} given")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise UsageError(f"{what}[{i}] is {type(text).__name__}, not a string")
    return texts


def check_labels(labels, count: int) -> tuple[list, np.ndarray]:
    """(classes, label indices). Labels are all 0/1 integers or all strings."""
    labels = list(labels)
    if len(labels) != count:
        raise UsageError(f"{count} texts but {len(labels)} labels")

    def is_binary(label) -> bool:
        return isinstance(label, (int, np.integer)) and not isinstance(label, (bool, np.bool_)) and label in (0, 1)

    if all(isinstance(label, str) for label in labels):
        classes = sorted(set(labels))
    elif all(is_binary(label) for label in labels):
        labels = [int(label) for label in labels]
        classes = [0, 1]
    else:
        bad = next((label for label in labels if not (isinstance(label, str) or is_binary(label))), None)
        found = f"got {bad!r}" if bad is not None else "got a mix of both"
        raise UsageError(f"labels must be all 0/1 or all strings; {found}")
    if len(set(labels)) < 2:
        raise UsageError(f"labels need at least two classes; all are {labels[0]!r}")
    index = {label: i for i, label in enumerate(classes)}
    return classes, np.array([index[label] for label in labels], dtype=np.int64)


def read_labelled(path: str, text_column: str = "document", label_column: str = "label") -> tuple[list[str], list]:
    """Texts and labels of a ``.tsv`` file with a header (NSMC's ``id document label``).

    Labels that are all ``0``/``1`` become integers; others stay strings. A file that is not text
    (`kofasttext.corpus.check_text`) is refused.
    """
    if not path.lower().endswith(TSV_SUFFIXES):
        raise UsageError(f"{path} is not a .tsv file; labelled data needs a header and a {label_column!r} column")
    check_text(path)
    texts = list(iter_lines(path, column=text_column))
    labels = [label.strip() for label in iter_lines(path, column=label_column)]
    if not texts:
        raise CorpusError(f"{path} has a header but no rows")
    for number, label in enumerate(labels, start=2):
        if not label:
            raise CorpusError(f"{path} line {number} has an empty {label_column!r}")
    if set(labels) <= {"0", "1"}:
        labels = [int(label) for label in labels]
    return texts, labels
