"""The vocabulary: in-vocabulary words, their counts, and the two distributions
training draws from (subsampling and negative sampling)."""

from __future__ import annotations

import numpy as np

#: Negatives are drawn with probability proportional to count ** NEGATIVE_EXPONENT.
#: 0.5 is fastText's choice (word2vec and gensim use 0.75); we follow fastText so
#: that the two are trained alike in benchmarks.
NEGATIVE_EXPONENT = 0.5

#: Slots of the negative-sampling table (fastText's size).
NEGATIVE_TABLE_SIZE = 10_000_000


class Vocabulary:
    """In-vocabulary words, most frequent first, with their corpus counts.

    Examples
    --------
    >>> vocab = Vocabulary(["영화", "너무"], np.array([10, 4]))
    >>> vocab.id("너무"), vocab.id("몰랐겠지")
    (1, -1)
    """

    def __init__(self, words: list[str], counts: np.ndarray):
        self.words = list(words)
        self.counts = np.asarray(counts, dtype=np.int64)
        self._index = {word: i for i, word in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self._index

    def id(self, word: str) -> int:
        """Row of ``word``, or -1 when it is not in the vocabulary."""
        return self._index.get(word, -1)

    def keep_probabilities(self, sample: float) -> np.ndarray:
        """Probability of keeping each occurrence of a word during training.

        fastText's and word2vec's subsampling: with ``f = count / total``,
        ``p_keep = sqrt(sample / f) + sample / f`` (capped at 1). ``sample=0``
        keeps everything.
        """
        if sample <= 0:
            return np.ones(len(self.counts), dtype=np.float32)
        frequency = self.counts / self.counts.sum()
        ratio = sample / frequency
        return np.minimum(1.0, np.sqrt(ratio) + ratio).astype(np.float32)

    def negative_table(self, size: int = NEGATIVE_TABLE_SIZE) -> np.ndarray:
        """fastText's negative-sampling table: word i fills ``ceil(p_i * size)``
        slots, ``p_i ~ count_i ** NEGATIVE_EXPONENT``; a uniformly drawn slot is a
        negative from that distribution, at the cost of one random integer."""
        weights = self.counts.astype(np.float64) ** NEGATIVE_EXPONENT
        slots = np.ceil(weights / weights.sum() * size).astype(np.int64)
        return np.repeat(np.arange(len(weights), dtype=np.int32), slots)
