"""The models a server answers from, by name, and the document index it searches, if any.

A model's name is its file name without the ``.kft`` suffix (``nsmc_jamo.kft`` -> ``nsmc_jamo``), made unique
with ``-2``, ``-3``, ... when two files share one. `Catalog.open` builds every model's lazily built matrices
(the vocabulary's vectors and their unit-length copy) before the first request: the first query then costs what
every other does, and no two request threads race to build them (`queries.CACHE_LOCK` makes that safe anyway).
"""

from __future__ import annotations

import os

from ..errors import UsageError
from ..loader import load
from ..search import DocumentIndex
from .batching import Batcher
from .parameters import RequestError


def _name_of(path: str, taken: set[str]) -> str:
    base = os.path.basename(path)
    for suffix in (".kft", ".bin", ".vec", ".vec.gz", ".txt", ".txt.gz"):
        if base.lower().endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)]
            break
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}-{number}"
    return name


class Catalog:
    """Loaded models by name (in the order given) and an optional `DocumentIndex` with the model it was built with.

    Examples
    --------
    >>> catalog = Catalog.open(["nsmc_jamo.kft", "nsmc_syllable.kft"], index_path="reviews.index")  # doctest: +SKIP
    >>> catalog.names  # doctest: +SKIP
    ['nsmc_jamo', 'nsmc_syllable']
    """

    def __init__(self, models: dict, paths: dict[str, str] | None = None, index: DocumentIndex | None = None, index_model=None):
        if not models:
            raise UsageError("serve needs at least one model")
        if (index is None) != (index_model is None):
            raise ValueError("an index needs the model it was built with")  # a bug, not bad input
        self.models = dict(models)
        #: Per model, the `Batcher` its neighbour queries go through.
        self.rankers = {name: Batcher(model) for name, model in self.models.items()}
        self.paths = dict(paths or {})
        self.index = index
        self.index_model = index_model

    @property
    def names(self) -> list[str]:
        return list(self.models)

    @classmethod
    def open(cls, model_paths: list[str], index_path: str | None = None, warm: bool = True) -> Catalog:
        """Load every model file (and the index, with its model) and, with ``warm``, build their caches.

        The index is searched with the model it was built with: one of ``model_paths`` when it is the same file,
        else the file the index records, loaded for search only. A model whose vectors differ from the ones the
        index was built with is refused (`DocumentIndex.check_model`).
        """
        models, paths = {}, {}
        for path in model_paths:
            name = _name_of(path, set(models))
            models[name] = load(path)
            paths[name] = os.path.abspath(path)
        index = index_model = None
        if index_path is not None:
            index = DocumentIndex.load(index_path)
            recorded = index.model_path
            for name, path in paths.items():
                if recorded and os.path.exists(recorded) and os.path.samefile(path, recorded):
                    index_model = models[name]
                    break
            else:
                if not recorded or not os.path.isfile(recorded):
                    raise UsageError(f"{index_path} was built with {recorded}, which is not there: give that model file to serve")
                index_model = load(recorded)
            index.check_model(index_model)
        catalog = cls(models, paths, index, index_model)
        if warm:
            catalog.warm()
        return catalog

    def warm(self) -> None:
        """Build each model's vocabulary matrices now (one query does it), not in the first requests."""
        for model in self.models.values():
            if len(model.words):
                model.most_similar(model.words[0], topn=1)

    def model(self, name: str | None):
        """``(name, model)`` for a request's ``model`` parameter: optional when one model is loaded (`rankers`
        has the model's `Batcher` under the same name)."""
        if name is None:
            if len(self.models) == 1:
                return next(iter(self.models.items()))
            raise RequestError(400, f"{len(self.models)} models are loaded: choose one with model= ({', '.join(self.models)})")
        if name not in self.models:
            raise RequestError(404, f"no model named {name!r} is loaded (loaded: {', '.join(self.models)})")
        return name, self.models[name]
