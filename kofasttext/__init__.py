"""kofasttext: Korean subword word vectors that work for words never seen in training.

Examples
--------
>>> import kofasttext as kft
>>> model = kft.train("corpus.txt.gz", subwords="jamo")  # doctest: +SKIP
>>> model.most_similar("몰랐겠지", topn=3)  # doctest: +SKIP
>>> model.save("nsmc.kft"); model = kft.load("nsmc.kft")  # doctest: +SKIP
"""

from .errors import CorpusError, KofasttextError, ModelFileError, TrainingError, TrainingInterrupted, UsageError
from .model import Model, load


def __getattr__(name):
    # `train`, `train_ppmi` and `TextClassifier` need torch, a few hundred MB: import it on first use, so that
    # reading text, models or jamo (kofasttext.hangul, kofasttext.load) stays light.
    if name == "train":
        from .trainer import train

        return train
    if name in ("train_ppmi", "PPMIModel"):
        from . import ppmi

        return getattr(ppmi, name)
    if name == "TextClassifier":
        from .classifier import TextClassifier

        return TextClassifier
    raise AttributeError(f"module 'kofasttext' has no attribute {name!r}")


__version__ = "0.1.0"
__all__ = [
    "train",
    "train_ppmi",
    "load",
    "Model",
    "PPMIModel",
    "TextClassifier",
    "KofasttextError",
    "CorpusError",
    "ModelFileError",
    "TrainingError",
    "TrainingInterrupted",
    "UsageError",
    "__version__",
]
