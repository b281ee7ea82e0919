"""The training options a model's config records, and their checks; free of torch, so that the command line
can list the choices without loading it."""

from __future__ import annotations

from ..errors import UsageError
from ..validate import positive_int, positive_number

#: ``--model``: skip-gram (the centre word predicts its context) or CBOW (the mean of the context predicts the
#: centre word), both trained by `trainer.train`; or GloVe (weighted least squares on co-occurrence counts,
#: `glove.train_glove`).
MODELS = ("skipgram", "cbow", "glove")

#: ``--loop``: how minibatches are made and trained. ``hogwild``: worker threads prepare minibatches on the
#: host and update the shared matrices without locks, as fastText's do (`training.loop`; the CPU default).
#: ``device``: one worker keeps the corpus and tables on the matrices' device and draws everything there, with
#: no host round trip per minibatch (`training.device_loop`; the CUDA default).
LOOPS = ("hogwild", "device")

#: ``--loss``: how skip-gram and CBOW score a prediction. ``ns``: negative sampling, the target against ``neg``
#: words drawn at random (`steps`; the default, fastText's). ``hs``: hierarchical softmax, fastText's and
#: word2vec's other loss: one logistic regression per inner node on the target's path in a Huffman tree over the
#: vocabulary (`huffman`), no negatives; a prediction costs as many dot products as its target's code is long,
#: few for a frequent word (about log2 of the vocabulary on average). For a small vocabulary, or a corpus that a
#: few frequent words dominate, where drawn negatives are mostly those same words.
LOSSES = ("ns", "hs")

#: The options a checkpoint stores and a resumed run takes from it.
TRAINING_OPTIONS = ("model", "loss", "dim", "epoch", "window", "neg", "min_count", "lr", "sample", "seed")

#: ``neg``'s default: with ``loss="hs"`` nothing is drawn, and another value is refused rather than ignored.
DEFAULT_NEG = 5


def check_options(options: dict) -> None:
    """A `UsageError` for the first option of ``options`` (`TRAINING_OPTIONS`) that cannot work."""
    for name in ("dim", "epoch", "window", "neg", "min_count"):
        positive_int(options[name], name)
    positive_number(options["lr"], "lr")
    positive_number(options["sample"], "sample", zero_allowed=True)
    if options["model"] == "glove":
        raise UsageError("GloVe is trained by kofasttext.train_glove (on the command line: train --model glove)")
    if options["model"] not in MODELS:
        raise UsageError(f"unknown model {options['model']!r}; choose {' or '.join(MODELS)}")
    if options["loss"] not in LOSSES:
        raise UsageError(f"unknown loss {options['loss']!r}; choose {' or '.join(LOSSES)}")
    if options["loss"] == "hs" and options["neg"] != DEFAULT_NEG:
        raise UsageError("neg does not apply to loss hs (hierarchical softmax draws no negatives)")
