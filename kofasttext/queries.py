"""The query verbs every word-vector model shares: similarity, neighbours, analogies.

`VectorQueries` is a mixin. It needs only a small surface from the class it is
mixed into, so a subword model (`kofasttext.Model`) and a count model
(`kofasttext.PPMIModel`) answer queries in exactly the same way:

- ``vocab``: a `Vocabulary`; row ``i`` of ``word_vectors()`` is ``vocab.words[i]``
- ``dim``: the vector length
- ``word_vectors()``: ``[len(words), dim]`` float32
- ``get_word_vector(word)``: the vector of any word, zeros when it has none

A query word that is empty or only whitespace is refused (`query_word`): its "vector" would be that of the
boundary n-grams ``<`` and ``>`` alone, which every word shares. An analogy refuses a word the model does not
know (`knows`), since ``b - a + c`` without one of its terms answers another question.
"""

from __future__ import annotations

import threading

import numpy as np

from .errors import UsageError
from .hangul import normalize

#: Guards the first build of the lazily built matrices (`VectorQueries._unit`, `Model.word_vectors`): a server
#: answers from many threads (`kofasttext.serve`), and two threads that both found the cache empty would each
#: build a matrix of the whole vocabulary, doubling the time and the memory of the first queries. Re-entrant,
#: because building the unit vectors builds the word vectors. One lock for every model: builds are rare and short.
CACHE_LOCK = threading.RLock()


def query_word(word: str) -> str:
    """``word``, unless it is empty or only whitespace (a `UsageError` then): what a query verb may look up.

    Examples
    --------
    >>> query_word("몰랐겠지")
    '몰랐겠지'
    >>> query_word(" ")
    Traceback (most recent call last):
    ...
    kofasttext.errors.UsageError: the word ' ' is only whitespace: give a word
    """
    if not isinstance(word, str):
        raise UsageError(f"a query word must be a str, got {type(word).__name__}")
    if not word:
        raise UsageError("the word is empty: give a word")
    if not word.strip():
        raise UsageError(f"the word {word!r} is only whitespace: give a word")
    return word


class VectorQueries:
    """Cosine-similarity queries over ``word_vectors()`` (see the module docstring)."""

    # Filled on first use by `_unit`; a class default so that subclasses need not set it.
    _unit_vectors = None

    @property
    def words(self) -> list[str]:
        """In-vocabulary words, most frequent first."""
        return self.vocab.words

    def __contains__(self, word: str) -> bool:
        """True when ``word`` is in the vocabulary."""
        return normalize(word) in self.vocab

    def __len__(self) -> int:
        return len(self.vocab)

    def knows(self, word: str) -> bool:
        """Whether the model learnt anything about ``word``: here, whether it is in the vocabulary (a subword
        model also knows a word one of whose n-grams a vocabulary word has: `Model.knows`)."""
        return self._word_id(word) >= 0

    def _word_id(self, word: str) -> int:
        """Row of ``word`` (normalised as a query) in ``words``, or -1."""
        return self.vocab.id(normalize(word))

    def _unit(self) -> np.ndarray:
        """``word_vectors()`` scaled to unit length, built once (under `CACHE_LOCK`) and then only read."""
        if self._unit_vectors is None:
            with CACHE_LOCK:
                if self._unit_vectors is None:  # another thread may have built it while this one waited
                    vectors = self.word_vectors()
                    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
                    self._unit_vectors = vectors / np.maximum(norms, 1e-12)
        return self._unit_vectors

    # -- queries -------------------------------------------------------------
    def similarity(self, first: str, second: str) -> float:
        """Cosine similarity of two words' vectors (0.0 if either has no vector).

        Examples
        --------
        >>> model.similarity("몰랐다", "몰랐겠지")  # doctest: +SKIP
        0.755
        """
        a, b = self.get_word_vector(query_word(first)), self.get_word_vector(query_word(second))
        norms = float(np.linalg.norm(a) * np.linalg.norm(b))
        return float(a @ b / norms) if norms > 0 else 0.0

    def most_similar(self, positive=(), negative=(), topn: int = 10) -> list[tuple[str, float]]:
        """In-vocabulary words nearest to ``sum(positive) - sum(negative)``.

        Each word's vector is scaled to unit length first (as gensim does); the
        query words themselves are left out of the answer. A query with no vector
        at all (an unseen word of a ``subwords="none"`` model) gives ``[]``.

        Parameters
        ----------
        positive : str or list of str
            A term may also be a vector (``[dim]`` array) the caller has already computed, as in gensim;
            nothing is left out of the answer for it.
        negative : str or list of str
        topn : int

        Examples
        --------
        >>> model.most_similar("몰랐겠지", topn=2)  # doctest: +SKIP
        [('몰랐지', 0.854), ('몰랐을까', 0.777)]
        >>> model.most_similar(positive=["한국", "도쿄"], negative=["서울"], topn=1)  # doctest: +SKIP
        """
        query, excluded = self._query(positive, negative)
        if query is None or topn < 1:
            return []
        return self._best(self._unit() @ query, excluded, topn)

    def most_similar_many(self, queries, topn=10) -> list[list[tuple[str, float]]]:
        """`most_similar` of many queries at once: one matrix product for all of them.

        Scoring the vocabulary streams its whole unit matrix through memory (34 MB for NSMC's 85K words of dim
        100); a batch streams it once for all its queries, which is what lets a server answer concurrent
        requests faster than one at a time (`kofasttext.serve.batching`). The answers are `most_similar`'s,
        up to float rounding in the last digits (a matrix-matrix product sums in another order than a
        matrix-vector one).

        Parameters
        ----------
        queries : list of (positive, negative)
            Each as `most_similar` takes them.
        topn : int or list of int
            One count for all, or one per query.

        Examples
        --------
        >>> model.most_similar_many([("몰랐겠지", ()), (["한국", "도쿄"], ["서울"])], topn=[2, 1])  # doctest: +SKIP
        [[('몰랐지', 0.854), ('몰랐을까', 0.777)], [('일본', 0.61)]]
        """
        counts = [topn] * len(queries) if isinstance(topn, int) else list(topn)
        if len(counts) != len(queries):
            raise UsageError(f"most_similar_many got {len(queries)} queries and {len(counts)} counts")
        built = [self._query(positive, negative) for positive, negative in queries]
        answers: list[list[tuple[str, float]]] = [[] for _ in queries]
        live = [i for i, (query, _) in enumerate(built) if query is not None and counts[i] >= 1]
        if not live:
            return answers
        scores = np.stack([built[i][0] for i in live]) @ self._unit().T  # [B, words]: rows contiguous
        for row, i in enumerate(live):
            answers[i] = self._best(scores[row], built[i][1], counts[i])
        return answers

    def _query(self, positive, negative) -> tuple[np.ndarray | None, list[int]]:
        """The unit query vector of ``sum(positive) - sum(negative)`` (each word's vector of unit length), or
        None when it is zero, and the rows of the query words, which answers leave out."""
        if isinstance(negative, int):  # most_similar("영화", 5): the count was meant as topn
            raise UsageError(f"most_similar's second argument is the negative words; give the count as topn={negative}")
        positive = [positive] if isinstance(positive, (str, np.ndarray)) else list(positive)
        negative = [negative] if isinstance(negative, (str, np.ndarray)) else list(negative)
        if not positive and not negative:
            raise UsageError("most_similar needs at least one word")
        for term in positive + negative:
            if not isinstance(term, np.ndarray):
                query_word(term)
        query = np.zeros(self.dim, dtype=np.float32)
        for terms, sign in ((positive, 1.0), (negative, -1.0)):
            for term in terms:
                vector = term if isinstance(term, np.ndarray) else self.get_word_vector(term)
                norm = np.linalg.norm(vector)
                if norm > 0:
                    query += sign * vector / norm
        words = [term for term in positive + negative if isinstance(term, str)]
        excluded = sorted({self._word_id(w) for w in words} - {-1})
        if not np.any(query):
            return None, excluded
        return query / np.linalg.norm(query), excluded

    def _best(self, scores: np.ndarray, excluded: list[int], topn: int) -> list[tuple[str, float]]:
        """The ``topn`` best-scoring words but the ``excluded`` rows, best first (``scores`` is overwritten)."""
        scores[excluded] = -np.inf
        count = min(topn, len(scores) - len(excluded))
        if count <= 0:
            return []
        best = np.argpartition(-scores, count - 1)[:count]
        best = best[np.argsort(-scores[best], kind="stable")]
        words = self.words
        return [(words[i], float(scores[i])) for i in best]

    def analogy(self, a: str, b: str, c: str, topn: int = 1) -> list[tuple[str, float]]:
        """Solve ``a : b = c : ?`` with 3CosAdd (``b - a + c``).

        Raises
        ------
        UsageError
            A word is empty, or unknown to the model (`knows`: not in the vocabulary, and no n-gram a vocabulary
            word has): its vector is zero or only other n-grams' rows met in a hash bucket, and the sum would
            answer a different question.

        Examples
        --------
        >>> model.analogy("서울", "한국", "도쿄")  # 일본 on a model that knows geography  # doctest: +SKIP
        """
        words = [query_word(word) for word in (a, b, c)]
        unknown = list(dict.fromkeys(word for word in words if not self.knows(word)))
        if unknown:
            names = ", ".join(unknown)
            verb = "is" if len(unknown) == 1 else "are"
            raise UsageError(
                f"{names} {verb} unknown to this model (no known subword): no answer to {a} : {b} = {c} : ? means anything"
            )
        return self.most_similar(positive=[b, c], negative=[a], topn=topn)
