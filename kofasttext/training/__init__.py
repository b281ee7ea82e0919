"""Training subword vectors: `train` (in `trainer`), GloVe's `train_glove` (in `glove`), the Hogwild loop
over the corpus (`loop`), the minibatch arithmetic (`steps`), hierarchical softmax's Huffman tree
(`huffman`) and the options a model records (`options`).

The package is called ``training``, not ``train``, so that importing it never shadows the function
``kofasttext.train``; `train` is imported on first use, so that `options` can be read without torch.
"""

from .options import MODELS

__all__ = ["MODELS", "train", "train_glove"]


def __getattr__(name):
    if name == "train":
        from .trainer import train

        return train
    if name == "train_glove":
        from .glove import train_glove

        return train_glove
    raise AttributeError(f"module 'kofasttext.training' has no attribute {name!r}")
