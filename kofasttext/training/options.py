"""The training options a model's config records, and their checks; free of torch, so that the command line
can list the choices without loading it."""

from __future__ import annotations

from ..errors import UsageError
from ..validate import positive_int

#: ``--model``: skip-gram (the centre word predicts its context) or CBOW (the mean of the context predicts the
#: centre word), both trained by `trainer.train`; or GloVe (weighted least squares on co-occurrence counts,
#: `glove.train_glove`).
MODELS = ("skipgram", "cbow", "glove")

#: ``--loop``: how minibatches are made and trained. ``hogwild``: worker threads prepare minibatches on the
#: host and update the shared matrices without locks, as fastText's do (`training.loop`; the CPU default).
#: ``device``: one worker keeps the corpus and tables on the matrices' device and draws everything there, with
#: no host round trip per minibatch (`training.device_loop`; the CUDA default).
LOOPS = ("hogwild", "device")

#: The options a checkpoint stores and a resumed run takes from it.
TRAINING_OPTIONS = ("model", "dim", "epoch", "window", "neg", "min_count", "lr", "sample", "seed")


def check_options(options: dict) -> None:
    """A `UsageError` for the first option of ``options`` (`TRAINING_OPTIONS`) that cannot work."""
    for name in ("dim", "epoch", "window", "neg", "min_count"):
        positive_int(options[name], name)
    if not options["lr"] > 0:
        raise UsageError(f"lr must be positive, got {options['lr']!r}")
    if not options["sample"] >= 0:
        raise UsageError(f"sample must be 0 or positive, got {options['sample']!r}")
    if options["model"] == "glove":
        raise UsageError("GloVe is trained by kofasttext.train_glove (on the command line: train --model glove)")
    if options["model"] not in MODELS:
        raise UsageError(f"unknown model {options['model']!r}; choose {' or '.join(MODELS)}")
