"""`WordVectors`: the little that every measure needs from a set of word vectors."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ..pretokenizers import split_words


@dataclass
class WordVectors:
    """Vectors to evaluate, from kofasttext or from another library.

    Attributes
    ----------
    words : list of str
        In-vocabulary words: the candidates for nearest neighbours.
    matrix : np.ndarray
        ``[len(words), dim]`` vectors of ``words``.
    vector : callable
        ``vector(word) -> np.ndarray`` for ANY word (zeros when the vectors have
        none, as word2vec-style vectors for unseen words).
    name : str
    tokenize : callable
        ``tokenize(text) -> list[str]``: how these vectors cut a text (a review)
        into words. Default `pretokenizers.split_words`; `from_model` gives a
        kofasttext model's own pretokeniser, so a kiwi or sentencepiece model is
        asked about the words it was trained on.
    tokenize_many : callable, optional
        ``tokenize_many(texts) -> iterator of list[str]``, a batched `tokenize`
        (Kiwi analyses many texts on several threads); default: `tokenize` per text.
    tokenizer : str
        Identifies how `tokenize` cuts text (the pretokeniser's ``key``), for caches
        of words cut that way.
    """

    words: list[str]
    matrix: np.ndarray
    vector: Callable[[str], np.ndarray]
    name: str = "vectors"
    tokenize: Callable[[str], list[str]] = split_words
    tokenize_many: Callable[[Iterable[str]], Iterator[list[str]]] | None = None
    tokenizer: str = "whitespace"

    @classmethod
    def from_model(cls, model, name: str | None = None) -> WordVectors:
        """The vectors of a kofasttext `Model` or `PPMIModel`, cut by the model's own pretokeniser."""
        name = name or model.config.get("subwords", model.config.get("model", "model"))
        pretokenizer = model.pretokenizer
        return cls(
            model.words,
            model.word_vectors(),
            model.get_word_vector,
            name,
            tokenize=pretokenizer.split,
            tokenize_many=pretokenizer.split_many,
            tokenizer=pretokenizer.key,
        )

    def split_texts(self, texts: Iterable[str]) -> Iterator[list[str]]:
        """The words of each text, lazily, cut by `tokenize_many` (batched) or else `tokenize`."""
        if self.tokenize_many is not None:
            return iter(self.tokenize_many(texts))
        return map(self.tokenize, texts)

    def __post_init__(self):
        self._index = {word: i for i, word in enumerate(self.words)}
        norms = np.linalg.norm(self.matrix, axis=1, keepdims=True)
        self.unit = (self.matrix / np.maximum(norms, 1e-12)).astype(np.float32)

    def __contains__(self, word: str) -> bool:
        return word in self._index

    def vectors_of(self, words: list[str]) -> np.ndarray:
        """``[len(words), dim]``: in-vocabulary rows looked up, others computed."""
        out = np.zeros((len(words), self.matrix.shape[1]), dtype=np.float32)
        for i, word in enumerate(words):
            row = self._index.get(word)
            out[i] = self.matrix[row] if row is not None else self.vector(word)
        return out

    def nearest(self, word: str, topn: int = 5) -> list[str]:
        """The ``topn`` in-vocabulary words closest to ``word`` by cosine (itself left out)."""
        query = self.vector(word)
        norm = np.linalg.norm(query)
        if norm == 0:
            return []
        order = np.argsort(-(self.unit @ (query / norm)))
        return [self.words[i] for i in order[: topn + 1] if self.words[i] != word][:topn]

    def ranks(self, queries: list[str], wanted: list[set[str]], chunk: int = 256) -> np.ndarray:
        """For each query, the rank (1 = nearest) of its best-ranked wanted word
        among all in-vocabulary words by cosine similarity; 0 when the query has
        no vector or no wanted word is in the vocabulary."""
        ranks = np.zeros(len(queries), dtype=np.int64)
        query_vectors = self.vectors_of(queries)
        norms = np.linalg.norm(query_vectors, axis=1)
        for start in range(0, len(queries), chunk):
            block = slice(start, start + chunk)
            scores = self.unit @ (query_vectors[block] / np.maximum(norms[block], 1e-12)[:, None]).T  # [V, q]
            for j, i in enumerate(range(start, min(start + chunk, len(queries)))):
                rows = [self._index[w] for w in wanted[i] if w in self._index and w != queries[i]]
                if norms[i] == 0 or not rows:
                    continue
                column = scores[:, j]
                own = self._index.get(queries[i])
                best = column[rows].max()
                higher = int((column > best).sum())
                if own is not None and column[own] > best:
                    higher -= 1  # the query itself is not a neighbour
                ranks[i] = higher + 1
        return ranks
