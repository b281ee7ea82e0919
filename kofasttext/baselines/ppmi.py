"""A count-based baseline: positive PMI of word co-occurrences, reduced by truncated SVD.

The recipe is Levy, Goldberg & Dagan, "Improving Distributional Similarity with
Lessons Learned from Word Embeddings" (TACL 2015), on exactly the words the
skip-gram trainer sees (`corpus.encode_corpus`: the same pretokeniser, given as
``pretokenizer`` and stored in the model; the same ``min_count`` pruning; windows
closed at line ends), so the two can be compared:

1. count (`corpus.cooccurrence.cooccurrence_counts`): ``#(w, c)``, how often ``c`` occurs within ``window`` words of ``w`` on
   one line, both directions (the counts are symmetric). An occurrence at
   distance ``d`` counts ``(window - d + 1) / window``: the probability that the
   trainer's window, whose half-width is drawn uniformly from ``1..window``,
   reaches ``d``. The skip-gram model therefore sees the same expected
   co-occurrences as these counts (Levy et al. call this the dynamic context
   window); GloVe's ``1/d`` would weigh near words more than the model we compare
   with. Counts are kept as integers, scaled by ``window``: PMI does not change
   when every count is multiplied by the same number.
2. weigh: ``PPMI(w, c) = max(0, log(p(w, c) / (p(w) * p_a(c))))`` with
   ``p(w, c) = #(w, c) / D``, ``p(w) = #w / D`` (the marginals of the counts, ``D``
   their total) and the smoothed context distribution
   ``p_a(c) = #c ** a / sum(#c' ** a)``, ``a = context_exponent = 0.75``. The
   smoothing raises the probability of rare contexts and so removes PMI's bias
   towards them; it is the counterpart of word2vec's negative-sampling exponent.
   Because only the context side is smoothed, the PPMI matrix is not symmetric.
3. reduce: ``PPMI ~ U S V^T`` (rank ``dim``, randomised SVD, `torch.svd_lowrank`
   on a sparse matrix), and a word's vector is its row of ``U * sqrt(S)``.
   The symmetric weighting ``p = 0.5`` is how SGNS splits the shifted PMI matrix
   between word and context vectors; Levy et al. found ``p = 0.5`` (and ``p = 0``)
   clearly better than the textbook ``U * S`` on similarity and analogy tasks.
   The singular values are kept in the model file, so other weightings can be
   tried from a saved model.

A count model has no subwords: a word that is not in the vocabulary, and a word
that never shares a line with another word, gets a zero vector, and
``most_similar`` of it gives ``[]``.
"""

from __future__ import annotations

import os
import time

import numpy as np

from .. import pretokenizers
from ..corpus import check_text, encode_with_progress, fit_pretokenizer
from ..corpus.cooccurrence import cooccurrence_counts
from ..environment import available_cores
from ..errors import CorpusError, ModelFileError, UsageError
from ..modelfile import ContainerFile, expect_kind, read_model_file, write_model_file
from ..progress import Progress, format_duration
from ..queries import VectorQueries
from ..validate import positive_int
from ..vocab import Vocabulary

#: Randomised SVD: extra columns beyond ``dim`` and power iterations (Halko et al.
#: 2009). The PPMI spectrum is flat (on NSMC the 100th singular value is 11% of the
#: first), so the trailing vectors converge slowly. Measured on NSMC, dim 100, against
#: a 300-column, 6-iteration run: top-10 neighbours agree 54% with torch's default
#: (no oversampling, ``niter=2``), 70% with these settings; WS353 and analogy scores
#: did not move beyond noise between any of them.
SVD_OVERSAMPLE = 10
SVD_NITER = 4

#: Exponent ``p`` of the singular values in the word vectors ``U * S**p``.
EIGENVALUE_WEIGHT = 0.5

_ARRAYS = ("vectors", "counts", "singular_values")


# Long for its docstring (every keyword, memory); the code is check, read, count and weigh, reduce, config.
def train_ppmi(
    corpus_path: str,
    dim: int = 100,
    window: int = 5,
    min_count: int = 5,
    context_exponent: float = 0.75,
    column: str | int | None = None,
    progress: bool = True,
    seed: int = 0,
    pretokenizer="whitespace",
    allow_binary: bool = False,
) -> PPMIModel:
    """Count-based word vectors: PPMI of co-occurrences, reduced by truncated SVD.

    A baseline for `kofasttext.train` with the same query API (see the module
    docstring for every formula and why it was chosen).

    Parameters
    ----------
    corpus_path : str
        Text file (``.txt`` or gzip), one document per line, or a ``.tsv`` with
        ``column`` naming the text column; read as `kofasttext.train` reads it.
    dim : int
        Vector length: the rank of the SVD; at most the vocabulary size.
    window : int
        Context words counted on each side; an occurrence at distance ``d`` counts
        ``(window - d + 1) / window``, as the skip-gram trainer's random window.
    min_count : int
        Words rarer than this are dropped from the text before counting.
    context_exponent : float
        Exponent ``a`` of the smoothed context distribution ``#c ** a``; 1 turns
        the smoothing off.
    column : str or int, optional
        Text column of a ``.tsv`` corpus.
    progress : bool
        Show progress lines on stderr.
    seed : int
        Seeds the random projection of the randomised SVD (the same seed gives the
        same vectors), and a sentencepiece pretokeniser's training sample.
    pretokenizer : str or dict
        What counts as a word, as for `kofasttext.train` (``"whitespace"``,
        ``"kiwi:join"``, ``"sentencepiece"``, ...); stored in the model.
    allow_binary : bool
        Read a corpus whose start is not text too, as for `kofasttext.train`.

    Returns
    -------
    PPMIModel

    Notes
    -----
    Memory: the corpus as ids (8 bytes a token: ids and line numbers), one chunk
    of at most `corpus.cooccurrence.PAIRS_PER_CHUNK` window positions (~25 bytes each, ~420 MB), the
    distinct co-occurring pairs (16 bytes each, ~40 while a chunk is merged into
    them) and the PPMI matrix (~28 bytes a non-zero value as numpy arrays and as a
    torch sparse tensor). It grows with the number of distinct pairs, not with
    ``vocabulary ** 2`` (NSMC's peak and time: ``benchmarks/RESULTS.md``, "PPMI-SVD: memory
    and time").

    Examples
    --------
    >>> import kofasttext as kft
    >>> model = kft.train_ppmi("corpora/demo_ko.txt", dim=20, min_count=3, progress=False)
    >>> model.dim, "영화" in model
    (20, True)
    >>> model.most_similar("영화", topn=3)  # doctest: +SKIP
    [('울었어요', 0.791), ('드라마', 0.783), ('공포', 0.779)]
    >>> model.most_similar("몰랐겠지")  # unseen: a count model has no subwords
    []
    """
    for name, value in (("dim", dim), ("window", window), ("min_count", min_count)):
        positive_int(value, name)
    if (
        not isinstance(context_exponent, (int, float, np.integer, np.floating))
        or isinstance(context_exponent, bool)
        or not 0 < context_exponent <= 1
    ):
        raise UsageError(f"context_exponent must be in (0, 1], got {context_exponent!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise UsageError(f"seed must be a non-negative integer, got {seed!r}")

    bar = Progress(progress)
    started = time.monotonic()
    if not allow_binary:
        check_text(corpus_path)
    try:
        words = fit_pretokenizer(pretokenizers.create(pretokenizer), corpus_path, column, int(seed), bar)
        corpus = encode_with_progress(corpus_path, min_count, column, words, bar, workers=available_cores())
        nwords = len(corpus.vocab)
        if dim > nwords:
            raise UsageError(f"dim={dim} is more than the {nwords} words of the vocabulary; lower dim or min_count")
        rows, cols, values, distinct_pairs = _ppmi_matrix(corpus, corpus_path, window, context_exponent, bar)
        bar.update(f"SVD of a {nwords:,} x {nwords:,} matrix, rank {dim}", force=True)
        vectors, singular_values = _truncated_svd(rows, cols, values, nwords, dim, seed)
    finally:
        bar.done()
    elapsed = time.monotonic() - started
    bar.message(f"PPMI-SVD vectors of {nwords:,} words, dim {dim} ({format_duration(elapsed)})")
    config = {
        "model": "ppmi",
        "dim": int(dim),
        "window": int(window),
        "min_count": int(min_count),
        "context_exponent": float(context_exponent),
        "window_weight": "linear",  # (window - d + 1) / window, the trainer's expected window
        "eigenvalue_weight": EIGENVALUE_WEIGHT,
        "svd": {"oversample": SVD_OVERSAMPLE, "niter": SVD_NITER, "seed": int(seed)},
        "pretokenizer": words.to_config(),
        "corpus": os.path.basename(corpus_path),
        "corpus_lines": corpus.stats.lines,
        "corpus_tokens": corpus.stats.tokens,
        "distinct_pairs": distinct_pairs,
        "ppmi_nonzeros": len(values),
        "train_seconds": round(elapsed, 2),
    }
    return PPMIModel(config, corpus.vocab, vectors, singular_values, words)


def _ppmi_matrix(corpus, corpus_path: str, window: int, context_exponent: float, bar: Progress):
    """Steps 1 and 2: the positive PPMI entries ``(rows, cols, values)`` and the number of distinct pairs."""
    nwords = len(corpus.vocab)
    first, second, counts = cooccurrence_counts(corpus.tokens, corpus.line_starts, nwords, window, bar=bar)
    if len(counts) == 0:
        raise CorpusError(f"no two words of {corpus_path} occur within {window} words of each other on one line")
    rows, cols, values = ppmi_entries(first, second, counts, nwords, context_exponent)
    bar.message(f"{len(counts):,} distinct pairs, {len(values):,} positive PPMI values")
    if len(values) == 0:  # only possible when every count is for a word with itself
        raise CorpusError(f"{corpus_path} gives no positive PPMI value; is every line one repeated word?")
    return rows, cols, values, len(counts)


# -- weighing ----------------------------------------------------------------------
def ppmi_entries(
    first: np.ndarray, second: np.ndarray, counts: np.ndarray, nwords: int, context_exponent: float = 0.75
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positive PMI values of the symmetric count matrix given by `cooccurrence_counts`.

    ``PPMI(w, c) = max(0, log(#(w, c) * D / (#w * #c_a)))`` where ``#w`` is row
    ``w``'s sum, ``D`` the sum of all counts and ``#c_a = D * #c ** a / sum(#c' ** a)``
    (the smoothed context distribution, ``a = context_exponent``).

    Returns
    -------
    rows, cols : np.ndarray of int32
        Word and context id of each positive value, sorted by ``(row, col)``.
    values : np.ndarray of float32

    Examples
    --------
    >>> rows, cols, values = ppmi_entries(np.array([0, 0]), np.array([1, 2]), np.array([2, 1]), 3, 1.0)
    >>> [(int(r), int(c), round(float(v), 3)) for r, c, v in zip(rows, cols, values)]  # log(2 * 6 / (3 * 2)), ...
    [(0, 1, 0.693), (0, 2, 0.693), (1, 0, 0.693), (2, 0, 0.693)]
    """
    first = np.asarray(first, dtype=np.int64)
    second = np.asarray(second, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.float64)
    marginal = np.bincount(first, counts, nwords) + np.bincount(second, counts, nwords)
    log_marginal = np.log(np.maximum(marginal, 1e-300))  # words with no pair get no entry anyway
    smoothed = marginal**context_exponent
    log_context = context_exponent * log_marginal - np.log(smoothed.sum())
    diagonal = first == second
    log_counts = np.log(counts)
    # (first, second) and, off the diagonal, (second, first): the two directions
    # share the count but not the marginals (only contexts are smoothed).
    forward = log_counts + np.where(diagonal, np.log(2.0), 0.0) - log_marginal[first] - log_context[second]
    backward = (log_counts - log_marginal[second] - log_context[first])[~diagonal]
    rows = np.concatenate((first, second[~diagonal]))
    cols = np.concatenate((second, first[~diagonal]))
    values = np.concatenate((forward, backward))
    del forward, backward, log_counts, diagonal
    positive = values > 0
    rows, cols, values = rows[positive], cols[positive], values[positive].astype(np.float32)
    order = np.argsort(rows * nwords + cols)
    return rows[order].astype(np.int32), cols[order].astype(np.int32), values[order]


def _truncated_svd(rows, cols, values, nwords: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rank-``dim`` word vectors ``U * S ** EIGENVALUE_WEIGHT`` of the sparse PPMI matrix."""
    import torch  # a few hundred MB: only the training of a count model needs it

    indices = torch.from_numpy(np.stack((rows.astype(np.int64), cols.astype(np.int64))))
    matrix = torch.sparse_coo_tensor(
        indices, torch.from_numpy(values), (nwords, nwords), is_coalesced=True, check_invariants=False
    )
    rank = min(dim + SVD_OVERSAMPLE, nwords)
    # Our own seed for the random projection, without touching the caller's generator.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        u, s, _ = torch.svd_lowrank(matrix, q=rank, niter=SVD_NITER)
    u, s = u[:, :dim].numpy(), s[:dim].numpy()
    return (u * s**EIGENVALUE_WEIGHT).astype(np.float32), s.astype(np.float32)


# -- the model ----------------------------------------------------------------------
class PPMIModel(VectorQueries):
    """Count-based word vectors (PPMI + truncated SVD); the result of `train_ppmi`.

    Queries (`similarity`, `most_similar`, `analogy`) work as on `kofasttext.Model`.
    There are no subwords: a word outside the vocabulary has a zero vector.

    Attributes
    ----------
    config : dict
        Options and corpus statistics; ``config["model"] == "ppmi"``.
    vocab : Vocabulary
    vectors : np.ndarray
        ``[len(words), dim]`` float32, row ``i`` the vector of ``words[i]``.
    singular_values : np.ndarray
        The ``dim`` largest singular values of the PPMI matrix, largest first
        (``vectors = U * sqrt(singular_values)``).

    Examples
    --------
    >>> model = kft.load("nsmc-ppmi.kft")  # doctest: +SKIP
    >>> model.most_similar("재밌다", topn=3)  # doctest: +SKIP
    >>> model["몰랐겠지"].any()  # unseen word: zero vector  # doctest: +SKIP
    False
    """

    def __init__(
        self,
        config: dict,
        vocab: Vocabulary,
        vectors: np.ndarray,
        singular_values: np.ndarray,
        pretokenizer: pretokenizers.Pretokenizer | None = None,
    ):
        self.config = config
        self.vocab = vocab
        self.vectors = vectors
        self.singular_values = singular_values
        # Files from before train_ppmi took a pretokeniser say "whitespace".
        self.pretokenizer = pretokenizer or pretokenizers.from_config(config.get("pretokenizer"))

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __repr__(self) -> str:
        return f"<kofasttext.PPMIModel {len(self)} words, dim {self.dim}, window={self.config.get('window')}>"

    def get_word_vector(self, word: str) -> np.ndarray:
        """Vector of ``word``: its row, or zeros when it is not in the vocabulary.

        Examples
        --------
        >>> model.get_word_vector("영화").shape  # doctest: +SKIP
        (100,)
        """
        word_id = self._word_id(word)
        if word_id < 0:
            return np.zeros(self.dim, dtype=np.float32)
        return np.array(self.vectors[word_id], dtype=np.float32)

    __getitem__ = get_word_vector

    def word_vectors(self) -> np.ndarray:
        """Vectors of all in-vocabulary words, ``[len(model.words), dim]``, in `words` order."""
        return np.asarray(self.vectors, dtype=np.float32)

    # -- files ---------------------------------------------------------------
    def save(self, path: str) -> None:
        """Write the model to one file, atomically (see `kofasttext.modelfile`)."""
        arrays = {
            "vectors": np.asarray(self.vectors, dtype=np.float32),
            "counts": self.vocab.counts.astype(np.int64),
            "singular_values": np.asarray(self.singular_values, dtype=np.float32),
            **self.pretokenizer.arrays(),
        }
        write_model_file(path, "ppmi", self.config, self.vocab.words, arrays)

    @classmethod
    def load(cls, path: str) -> PPMIModel:
        """Open a model file written by `save`; the vectors are memory-mapped, not read."""
        return cls.from_container(read_model_file(path), path)

    @classmethod
    def from_container(cls, container: ContainerFile, path: str) -> PPMIModel:
        """The model in a file `read_model_file` opened, checked."""
        expect_kind(path, container.kind, "ppmi")
        config, words, arrays = container.config, container.words, container.arrays
        missing = [name for name in _ARRAYS if name not in arrays]
        if missing:
            raise ModelFileError(f"{path} is damaged: it lacks {', '.join(missing)}")
        vectors = arrays["vectors"]
        if (
            vectors.ndim != 2
            or vectors.shape[0] != len(words)
            or arrays["counts"].shape != (len(words),)
            or arrays["singular_values"].shape != (vectors.shape[1],)
        ):
            raise ModelFileError(f"{path} is damaged: its arrays do not match its vocabulary")
        pretokenizer = pretokenizers.from_model_file(config, arrays, path)
        vocab = Vocabulary(words, np.asarray(arrays["counts"]))
        return cls(config, vocab, vectors, np.asarray(arrays["singular_values"]), pretokenizer)
