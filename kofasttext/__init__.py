"""kofasttext: Korean subword word vectors that work for words never seen in training.

The package follows the pipeline (README "Layout"): text (`hangul`, `pretokenizers`, `subwords`, `vocab`) ->
`corpus` -> `training` (and `baselines`) -> `Model` -> `evaluate` / `classify` / `compression` / `interop` -> `cli`. This
module re-exports what a user needs; everything else is importable from its own room.

Examples
--------
>>> import kofasttext as kft
>>> model = kft.train("corpus.txt.gz", subwords="jamo")  # doctest: +SKIP
>>> model.most_similar("몰랐겠지", topn=3)  # doctest: +SKIP
>>> model.save("nsmc.kft"); model = kft.load("nsmc.kft")  # doctest: +SKIP
"""

from .baselines.ppmi import PPMIModel, train_ppmi
from .compression import compress
from .errors import CorpusError, KofasttextError, ModelFileError, TrainingError, TrainingInterrupted, UsageError
from .loader import load
from .model import Model


def __getattr__(name):
    # `train`, `train_glove` and the classifiers need torch, a few hundred MB (train_ppmi imports it only for its SVD): import
    # them on first use, so that reading text, models or jamo (kofasttext.hangul, kofasttext.load) stays light.
    if name == "train":
        from .training import train

        return train
    if name == "train_glove":
        from .training import train_glove

        return train_glove
    if name in ("TextClassifier", "LinearClassifier"):
        from . import classify

        return getattr(classify, name)
    raise AttributeError(f"module 'kofasttext' has no attribute {name!r}")


__version__ = "0.1.0"
__all__ = [
    "train",
    "train_glove",
    "train_ppmi",
    "load",
    "compress",
    "Model",
    "PPMIModel",
    "TextClassifier",
    "LinearClassifier",
    "KofasttextError",
    "CorpusError",
    "ModelFileError",
    "TrainingError",
    "TrainingInterrupted",
    "UsageError",
    "__version__",
]
