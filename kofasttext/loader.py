"""`load`: the one function that opens any word-vector file kofasttext reads.

It reads the container's header once (`modelfile.read_model_file`; the arrays are only memory-mapped) and
dispatches on the kind the header names: a subword model (`Model`) or a PPMI count model (`PPMIModel`). A
classifier or a corpus cache is refused with a message that says what the file is and how to use it. Readers
of other programs' formats join here, so that ``kft.load`` and ``kofasttext eval`` take them all.
"""

from __future__ import annotations

import os

from .baselines.ppmi import PPMIModel
from .errors import ModelFileError
from .interop.fasttext_bin import is_fasttext_head
from .model import Model
from .modelfile import KINDS, MAGIC, read_model_file

#: Names of word2vec text files: other text is not taken for vectors unless it is named so.
VEC_SUFFIXES = (".vec", ".vec.gz", ".txt", ".txt.gz")
#: The classifier kinds of file, and the class that loads each.
CLASSIFIERS = {"text_classifier": "TextClassifier", "linear_classifier": "LinearClassifier"}


def load(path: str) -> Model | PPMIModel:
    """Load a model saved by `Model.save` (or the ``kofasttext train`` command), a count model saved by
    `PPMIModel.save`, a fastText ``.bin`` (`Model.from_fasttext`, known by its magic number) or a word2vec
    text file (`Model.from_vec`, known by its name: ``.vec``, ``.txt``, gzipped too).

    Raises
    ------
    ModelFileError
        The file is missing, damaged, another program's, or a kofasttext file that holds no word vectors
        (a classifier: use `TextClassifier.load` or `LinearClassifier.load`).

    Examples
    --------
    >>> import kofasttext as kft
    >>> model = kft.load("nsmc.kft")  # doctest: +SKIP
    >>> model["몰랐겠지"].shape  # doctest: +SKIP
    (100,)
    """
    if os.path.isfile(path):
        with open(path, "rb") as probe:
            head = probe.read(len(MAGIC))
        if is_fasttext_head(head):
            return Model.from_fasttext(path)
        if path.lower().endswith(VEC_SUFFIXES):
            return Model.from_vec(path)
        if head != MAGIC:
            raise ModelFileError(f"{path} is neither a kofasttext model, a fastText .bin nor a word2vec text file (.vec, .txt)")
    container = read_model_file(path)
    kind = container.kind
    if kind == "model":
        return Model.from_container(container, path)
    if kind == "ppmi":
        return PPMIModel.from_container(container, path)
    if kind in CLASSIFIERS:
        raise ModelFileError(
            f"{path} is {KINDS[kind]}, not word vectors: load it with kft.{CLASSIFIERS[kind]}.load "
            "or use it with `kofasttext classify predict`"
        )
    raise ModelFileError(f"{path} is {KINDS[kind]}, not word vectors")
