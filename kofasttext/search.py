"""Semantic search over documents: each document is its sentence vector, and the nearest to a query's win.

``kofasttext index MODEL DOCS.txt -o INDEX`` embeds one document per line with `Model.get_sentence_vector`
(the mean of the unit vectors of its words, cut by the model's own pretokeniser) and stores the vectors, scaled
to unit length, with the documents' text; ``kofasttext search INDEX "query"`` embeds the query the same way and
ranks the documents by cosine similarity. Pooled word vectors know which words a text uses, not what it says:
"재밌다" and "안 재밌다" land close together. That is the measured, documented limit of this search.

The index is a `kofasttext.modelfile` container of kind ``document_index`` (no pickle; memory-mapped when
opened):

- ``vectors``: ``[documents, dim]``, float16 (the default: half the size, the same ranking to about three
  decimals of cosine) or float32, each row of unit length, or zero for a document none of whose words has a
  vector (it scores 0 against every query);
- ``text_bytes`` and ``text_offsets``: the documents' UTF-8 text, document ``i`` being
  ``text_bytes[text_offsets[i]:text_offsets[i + 1]]``, so that a large index is not one huge JSON header;
- the config: how many documents, from which file, and the model: its absolute path, words, dim and a
  fingerprint (`model_fingerprint`), so that a search with another model is refused instead of ranking
  vectors from two different spaces.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np

from .errors import ModelFileError, UsageError
from .modelfile import expect_kind, read_model_file, write_model_file

#: How the vectors may be stored.
DTYPES = ("float16", "float32")
#: Words whose vectors the fingerprint hashes besides the model's first words: an unseen word as well, so that
#: two models with one vocabulary but other n-gram rows differ.
_FINGERPRINT_PROBES = ("영화", "몰랐겠지", "재밌었닼ㅋ")
_SCORE_CHUNK = 65_536  # documents scored at a time: bounds the float32 copy of a float16 index


class SearchHit(NamedTuple):
    """One document found: its line number (0-based, in DOCS order), its text and its cosine similarity."""

    document: int
    text: str
    score: float


def model_fingerprint(model) -> str:
    """A short hash of what a model's vectors are: its size, its first words and a few words' vectors.

    Two loads of one model file give the same fingerprint; a model trained with other data or settings (almost
    surely) another one. Vectors are rounded to 4 decimals first, so that a model file read through another
    code path (memory-mapped or not) still matches.

    Examples
    --------
    >>> model_fingerprint(kft.load("nsmc.kft"))  # doctest: +SKIP
    '3f2a9c0d11e4b7a5'
    """
    digest = hashlib.sha256(f"{len(model.words)} {model.dim}\n".encode())
    probes = list(_FINGERPRINT_PROBES) + list(model.words[:8])
    digest.update("\n".join(model.words[:64]).encode())
    for word in probes:
        digest.update(np.round(np.asarray(model.get_word_vector(word), dtype=np.float64), 4).tobytes())
    return digest.hexdigest()[:16]


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


class DocumentIndex:
    """Documents and their unit sentence vectors; build one with `build_index`, open one with `DocumentIndex.load`.

    Examples
    --------
    >>> index = build_index(model, ["배우 연기가 최고", "시간 아깝다 최악"])  # doctest: +SKIP
    >>> index.search(model, "연기 좋았다", k=1)  # doctest: +SKIP
    [SearchHit(document=0, text='배우 연기가 최고', score=0.71)]
    """

    def __init__(self, vectors: np.ndarray, text_bytes: np.ndarray, text_offsets: np.ndarray, config: dict):
        self.vectors = vectors  # [documents, dim], unit rows (or zero)
        self.text_bytes = text_bytes
        self.text_offsets = text_offsets
        self.config = config

    def __len__(self) -> int:
        return len(self.vectors)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def model_path(self) -> str:
        """The model file the index was built with (absolute)."""
        return self.config["model"]["path"]

    def text(self, document: int) -> str:
        """The text of document ``document`` (0-based line number)."""
        start, end = int(self.text_offsets[document]), int(self.text_offsets[document + 1])
        return bytes(self.text_bytes[start:end]).decode("utf-8")

    def check_model(self, model) -> None:
        """A `UsageError` unless ``model`` is the model the index was built with (same fingerprint)."""
        built_with = self.config["model"]
        if model.dim != self.dim or model_fingerprint(model) != built_with["fingerprint"]:
            raise UsageError(
                f"this index was built with another model ({built_with['path']}, {built_with['words']:,} words, "
                f"dim {built_with['dim']}): search it with that model"
            )

    def search(self, model, query: str, k: int = 10) -> list[SearchHit]:
        """The ``k`` documents nearest to ``query`` by cosine of sentence vectors, best first.

        ``model`` must be the index's model (`check_model`; callers that query often check it once). A query
        with no word that has a vector matches nothing: ``[]``.

        Examples
        --------
        >>> index = DocumentIndex.load("nsmc.index")  # doctest: +SKIP
        >>> index.search(kft.load(index.model_path), "배우 연기 최고", k=3)  # doctest: +SKIP
        """
        query_vector = _unit(model.get_sentence_vector(query)).astype(np.float32)
        if not np.any(query_vector) or len(self) == 0 or k < 1:
            return []
        scores = np.empty(len(self), dtype=np.float32)
        for start in range(0, len(self), _SCORE_CHUNK):
            block = np.asarray(self.vectors[start : start + _SCORE_CHUNK], dtype=np.float32)
            scores[start : start + len(block)] = block @ query_vector
        count = min(k, len(scores))
        best = np.argpartition(-scores, count - 1)[:count]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [SearchHit(int(i), self.text(int(i)), float(scores[i])) for i in best]

    def save(self, path: str) -> None:
        """Write the index to one file, atomically (`kofasttext.modelfile`)."""
        arrays = {"vectors": self.vectors, "text_bytes": self.text_bytes, "text_offsets": self.text_offsets}
        write_model_file(path, "document_index", self.config, [], arrays)

    @classmethod
    def load(cls, path: str) -> DocumentIndex:
        """Open an index file; its vectors and texts are memory-mapped, not read."""
        container = read_model_file(path)
        expect_kind(path, container.kind, "document_index")
        arrays = container.arrays
        try:
            vectors, text_bytes, offsets = arrays["vectors"], arrays["text_bytes"], arrays["text_offsets"]
            consistent = (
                vectors.ndim == 2
                and offsets.shape == (len(vectors) + 1,)
                and int(offsets[-1]) == len(text_bytes)
                and {"path", "fingerprint", "words", "dim"} <= set(container.config["model"])
            )
        except (KeyError, TypeError):
            consistent = False
        if not consistent:
            raise ModelFileError(f"{path} is damaged: its vectors, texts and model record do not fit together")
        return cls(vectors, text_bytes, offsets, container.config)


def build_index(
    model,
    documents: Iterable[str],
    *,
    dtype: str = "float16",
    model_path: str | None = None,
    source: str | None = None,
    log: Callable[[int], None] | None = None,
) -> DocumentIndex:
    """Embed every document with ``model.get_sentence_vector`` into a `DocumentIndex` (in memory; `save` it).

    Parameters
    ----------
    model : kofasttext.Model
        Any model with ``get_sentence_vector`` (a subword model).
    documents : iterable of str
        One document each, e.g. the lines of a file (`kofasttext.corpus.iter_lines`).
    dtype : {"float16", "float32"}
        How the unit vectors are stored.
    model_path, source : str, optional
        The model's file and the documents' file, recorded in the index (the search command finds the model
        by its path).
    log : callable, optional
        Called with the number of documents embedded so far, every 1,000 documents.

    Examples
    --------
    >>> index = build_index(model, ["배우 연기가 최고", "시간 아깝다 최악"], dtype="float32")  # doctest: +SKIP
    >>> len(index), index.text(1)  # doctest: +SKIP
    (2, '시간 아깝다 최악')
    """
    if dtype not in DTYPES:
        raise UsageError(f"unknown index dtype {dtype!r}: choose one of {', '.join(DTYPES)}")
    if not hasattr(model, "get_sentence_vector"):
        raise UsageError("only a subword model (kofasttext.Model) can embed documents")
    started = time.monotonic()
    vectors: list[np.ndarray] = []
    texts = bytearray()
    offsets = [0]
    for text in documents:
        vectors.append(_unit(model.get_sentence_vector(text)).astype(dtype))
        texts += text.encode("utf-8")
        offsets.append(len(texts))
        if log is not None and len(vectors) % 1000 == 0:
            log(len(vectors))
    if not vectors:
        raise UsageError(f"no documents to index{f' in {source}' if source else ''}")
    config = {
        "documents": len(vectors),
        "dtype": dtype,
        "source": os.path.abspath(source) if source else None,
        "pooling": "mean of unit word vectors (Model.get_sentence_vector), scaled to unit length",
        "embed_seconds": round(time.monotonic() - started, 3),
        "model": {
            "path": os.path.abspath(model_path) if model_path else None,
            "fingerprint": model_fingerprint(model),
            "words": len(model.words),
            "dim": model.dim,
        },
    }
    return DocumentIndex(
        np.stack(vectors), np.frombuffer(bytes(texts), dtype=np.uint8), np.asarray(offsets, dtype=np.int64), config
    )
