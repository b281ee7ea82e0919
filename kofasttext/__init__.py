"""kofasttext: Korean subword word vectors that work for words never seen in training.

Examples
--------
>>> import kofasttext as kft
>>> model = kft.train("corpus.txt.gz", subwords="jamo")  # doctest: +SKIP
>>> model.most_similar("몰랐겠지", topn=3)  # doctest: +SKIP
>>> model.save("nsmc.kft"); model = kft.load("nsmc.kft")  # doctest: +SKIP
"""

from .errors import CorpusError, KofasttextError, ModelFileError, TrainingError, UsageError
from .model import Model, load
from .trainer import train

__version__ = "0.1.0"
__all__ = ["train", "load", "Model", "KofasttextError", "CorpusError", "ModelFileError", "TrainingError", "UsageError", "__version__"]
