"""Errors a user can cause. The CLI prints their message as one line and exits non-zero."""


class KofasttextError(Exception):
    """Base class: a problem with the user's input, not a bug in kofasttext."""


class UsageError(KofasttextError, ValueError):
    """An option value that cannot work (unknown scheme, minn > maxn, ...)."""


class CorpusError(KofasttextError):
    """A corpus that cannot be trained on (missing, empty, no frequent word, ...)."""


class TrainingError(KofasttextError):
    """Training that cannot produce a usable model (the loss diverged: huge, inf or nan)."""


class TrainingInterrupted(KofasttextError):
    """Ctrl-C during training; the message says where the checkpoint was saved."""


class ModelFileError(KofasttextError):
    """A model file that is missing, truncated, from another program or version."""
