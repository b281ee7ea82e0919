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
    # `train` needs torch, a few hundred MB: import it on first use, so that
    # reading text, models or jamo (kofasttext.hangul, kofasttext.load) stays light.
    if name == "train":
        from .trainer import train

        return train
    raise AttributeError(f"module 'kofasttext' has no attribute {name!r}")


__version__ = "0.1.0"
__all__ = ["train", "load", "Model", "KofasttextError", "CorpusError", "ModelFileError", "TrainingError", "TrainingInterrupted", "UsageError", "__version__"]
