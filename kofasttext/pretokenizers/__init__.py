"""Pretokenisers: what counts as a word.

Korean glues stems and endings together (몰랐다 = 모르 + 었 + 다), so the unit
the skip-gram model learns a row for is a choice, and it decides much of the
quality. The choice is made once, when a model is trained, and stored in the
model's config (and, for sentencepiece, the trained piece model in the model
file), so that `Model.get_sentence_vector` and the evaluator cut text exactly as
the training corpus was cut.

Three pretokenisers, each in a module of its own:

* ``whitespace`` (default, `whitespace`): whitespace, then punctuation runs
  split from word runs (`whitespace.split_words`);
* ``kiwi`` (`kiwi`): kiwipiepy morphemes -- forms, ``form/TAG``, or a
  predicate stem joined with its endings (``몰랐다`` stays whole, ``영화가`` ->
  ``영화``, ``가``); each distinct eojeol analysed once on its own, or each
  line in context (``context``: about 3x the work);
* ``sentencepiece`` (`sentencepiece`): a unigram or BPE piece model trained on
  the corpus at train time, its pieces used as the words or added to each
  whitespace word as extra subwords.

Spec syntax
-----------
``NAME[:OPTION[,OPTION...]]``, an option being a flag or ``key=value``::

    whitespace
    kiwi                kiwi:tags           kiwi:join           kiwi:join,tags
    kiwi:context        kiwi:join,context
    sentencepiece       sentencepiece:bpe   sentencepiece:subwords
    sentencepiece:bpe,subwords,vocab=16000,sample=200000

A dict in the form that `Pretokenizer.to_config` writes (``{"name": "kiwi",
"join": True}``) is accepted as well, and so is a `Pretokenizer`.

Interface
---------
Every pretokeniser is a `base.Pretokenizer`: it has ``name``, ``spec`` (the canonical spec string), ``key``
(what identifies its cutting for caches), ``split(line)``,
``split_many(lines)`` (batched, lazy, one list of words per line, in order),
``to_config()`` (JSON), ``arrays()`` (binary data the model file must carry),
and ``extra_subwords`` (None, or ``word -> list of extra n-gram strings``).
A pretokeniser with ``needs_fit`` is trained on the corpus first (`fit`).
Every pretokeniser normalises text with `hangul.normalize` and reads NUL as a
space, as `split_words` does, and never returns a word containing whitespace.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import KofasttextError, ModelFileError, UsageError
from .base import Pretokenizer
from .whitespace import WhitespacePretokenizer, split_words

#: The pretokenisers, in the order the CLI help lists them.
NAMES = ("whitespace", "kiwi", "sentencepiece")


def parse_spec(spec: str) -> tuple[str, dict[str, str | None]]:
    """Split a spec string into its name and options (a flag maps to None).

    Examples
    --------
    >>> parse_spec("sentencepiece:bpe,vocab=8000")
    ('sentencepiece', {'bpe': None, 'vocab': '8000'})
    >>> parse_spec("kiwi")
    ('kiwi', {})
    """
    name, _, rest = spec.strip().partition(":")
    options: dict[str, str | None] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, has_value, value = item.partition("=")
        options[key.strip()] = value.strip() if has_value else None
    return name.strip(), options


def create(spec=None, workers: int | None = None) -> Pretokenizer:
    """The pretokeniser a user asked for.

    Parameters
    ----------
    spec : str, dict, Pretokenizer or None
        A spec string (see the module docstring), a config dict, or an existing
        pretokeniser (returned as is). None means ``"whitespace"``.
    workers : int, optional
        Threads for batched tokenising (kiwi, sentencepiece); default: the cores
        this process may use. Not part of the model: a loaded model picks its own.

    Raises
    ------
    UsageError
        An unknown name or option, with the choices in the message.

    Examples
    --------
    >>> create("kiwi:join").to_config()["join"]
    True
    >>> create("whitespace").split("진짜 재밌었다!!")
    ['진짜', '재밌었다', '!!']
    """
    if spec is None:
        spec = "whitespace"
    if isinstance(spec, Pretokenizer):
        return spec
    if isinstance(spec, Mapping):
        return from_config(spec, workers=workers, trained=False)
    if not isinstance(spec, str):
        raise UsageError(f"pretokenizer must be a spec string such as 'kiwi:join' or a dict, got {spec!r}")
    name, options = parse_spec(spec)
    return _class(name, spec).from_options(options, workers=workers)


def from_config(config, arrays: Mapping[str, np.ndarray] | None = None, workers: int | None = None, trained=True):
    """Rebuild the pretokeniser a model's config describes (``config["pretokenizer"]``).

    ``config`` may be None or the plain string ``"whitespace"`` (files written
    before pretokenisers were configurable). ``arrays`` are the model file's
    arrays (a sentencepiece model is stored there). With ``trained`` (loading a
    model), a pretokeniser that needs its trained data and lacks it fails when
    it is first used, with a `ModelFileError`.
    """
    if config is None:
        config = {"name": "whitespace"}
    elif isinstance(config, str):
        config = {"name": config}
    if not isinstance(config, Mapping) or not isinstance(config.get("name"), str):
        raise UsageError(f"a pretokenizer config is a dict with a 'name', got {config!r}")
    return _class(config["name"], config["name"]).from_config(dict(config), arrays or {}, workers=workers, trained=trained)


def from_model_file(config: Mapping, arrays: Mapping[str, np.ndarray], source: str) -> Pretokenizer:
    """The pretokeniser of a model file (its ``config`` and ``arrays``), or a `ModelFileError` naming ``source``
    when it cannot be rebuilt or the file lacks its trained data."""
    try:
        pretokenizer = from_config(config.get("pretokenizer"), arrays)
    except (KofasttextError, KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"{source} has a pretokenizer this kofasttext cannot rebuild: {error}") from None
    if pretokenizer.lacks_data:
        raise ModelFileError(f"{source} is damaged: it lacks the trained model of its {pretokenizer.name} pretokenizer")
    return pretokenizer


def _class(name: str, asked: str):
    if name == "whitespace":
        return WhitespacePretokenizer
    # Imported here so that the whitespace pretokeniser costs no kiwipiepy or sentencepiece import.
    if name == "kiwi":
        from .kiwi import KiwiPretokenizer

        return KiwiPretokenizer
    if name == "sentencepiece":
        from .sentencepiece import SentencePiecePretokenizer

        return SentencePiecePretokenizer
    raise UsageError(f"unknown pretokenizer {asked!r}; choose one of {', '.join(NAMES)} (e.g. kiwi:join, sentencepiece:bpe)")


__all__ = ["NAMES", "Pretokenizer", "create", "from_config", "from_model_file", "parse_spec", "split_words"]
