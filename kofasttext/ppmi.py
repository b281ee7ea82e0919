"""A count-based baseline: positive PMI of word co-occurrences, reduced by truncated SVD.

The recipe is Levy, Goldberg & Dagan, "Improving Distributional Similarity with
Lessons Learned from Word Embeddings" (TACL 2015), on exactly the words the
skip-gram trainer sees (`corpus.encode_corpus`: same pretokeniser, same
``min_count`` pruning, windows closed at line ends), so the two can be compared:

1. count: ``#(w, c)``, how often ``c`` occurs within ``window`` words of ``w`` on
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

from .corpus import encode_corpus
from .errors import CorpusError, ModelFileError, UsageError
from .modelfile import read_model_file, write_model_file
from .progress import Progress, format_count, format_duration
from .queries import VectorQueries
from .vocab import Vocabulary

#: Window positions (token, offset) turned into pair keys at once. Each costs about
#: 25 bytes while its chunk is sorted and reduced, so 2**24 bound that step to ~420 MB.
PAIRS_PER_CHUNK = 1 << 24

#: Randomised SVD: extra columns beyond ``dim`` and power iterations (Halko et al.
#: 2009). The PPMI spectrum is flat (on NSMC the 100th singular value is 11% of the
#: first), so the trailing vectors converge slowly. Measured on NSMC, dim 100, against
#: a 300-column, 6-iteration run: top-10 neighbours agree 54% with torch's default
#: (no oversampling, ``niter=2``), 70% with these settings, which cost ~40 s on two
#: cores; WS353 and analogy scores did not move beyond noise between any of them.
SVD_OVERSAMPLE = 10
SVD_NITER = 4

#: Exponent ``p`` of the singular values in the word vectors ``U * S**p``.
EIGENVALUE_WEIGHT = 0.5

_ARRAYS = ("vectors", "counts", "singular_values")


def train_ppmi(
    corpus_path: str,
    dim: int = 100,
    window: int = 5,
    min_count: int = 5,
    context_exponent: float = 0.75,
    column: str | int | None = None,
    progress: bool = True,
    seed: int = 0,
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
        same vectors).

    Returns
    -------
    PPMIModel

    Notes
    -----
    Memory: the corpus as ids (8 bytes a token: ids and line numbers), one chunk
    of at most `PAIRS_PER_CHUNK` window positions (~25 bytes each, ~420 MB), the
    distinct co-occurring pairs (16 bytes each, ~40 while a chunk is merged into
    them) and the PPMI matrix (~28 bytes a non-zero value as numpy arrays and as a
    torch sparse tensor). It grows with the number of distinct pairs, not with
    ``vocabulary ** 2``. NSMC (6.2M tokens, 85K words, window 5: 7.8M distinct pairs,
    14M positive PPMI values) peaks at 1.3 GB resident and takes 40 s on two cores (70 s shared),
    most of it in the SVD.

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
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise UsageError(f"{name} must be a positive integer, got {value!r}")
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
    try:
        corpus = encode_corpus(
            corpus_path,
            min_count,
            column,
            on_progress=lambda s: bar.update(f"reading {corpus_path}: {s.lines:,} lines, {format_count(s.tokens)} tokens"),
        )
        for warning in corpus.stats.warnings:
            bar.message(f"warning: {warning}")
        nwords = len(corpus.vocab)
        bar.message(
            f"read {corpus.stats.lines:,} lines, {corpus.stats.tokens:,} tokens; {nwords:,} words occur >= {min_count} "
            f"times ({format_duration(time.monotonic() - started)})"
        )
        if dim > nwords:
            raise UsageError(f"dim={dim} is more than the {nwords} words of the vocabulary; lower dim or min_count")

        first, second, counts = cooccurrence_counts(corpus.tokens, corpus.line_starts, nwords, window, bar=bar)
        if len(counts) == 0:
            raise CorpusError(f"no two words of {corpus_path} occur within {window} words of each other on one line")
        rows, cols, values = ppmi_entries(first, second, counts, nwords, context_exponent)
        distinct_pairs = len(counts)
        del first, second, counts
        bar.message(f"{distinct_pairs:,} distinct pairs, {len(values):,} positive PPMI values")
        if len(values) == 0:  # only possible when every count is for a word with itself
            raise CorpusError(f"{corpus_path} gives no positive PPMI value; is every line one repeated word?")

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
        "pretokenizer": "whitespace",
        "corpus": os.path.basename(corpus_path),
        "corpus_lines": corpus.stats.lines,
        "corpus_tokens": corpus.stats.tokens,
        "distinct_pairs": distinct_pairs,
        "ppmi_nonzeros": len(values),
        "train_seconds": round(elapsed, 2),
    }
    return PPMIModel(config, corpus.vocab, vectors, singular_values)


# -- counting ---------------------------------------------------------------------
def cooccurrence_counts(
    tokens: np.ndarray,
    line_starts: np.ndarray,
    nwords: int,
    window: int,
    pairs_per_chunk: int | None = None,
    bar: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted co-occurrence counts of unordered word pairs within ``window`` on one line.

    Parameters
    ----------
    tokens, line_starts : np.ndarray
        An `corpus.EncodedCorpus`'s arrays: ids of the kept tokens, and where each
        line starts.
    nwords : int
        Vocabulary size (ids are ``0..nwords-1``).
    window : int
    pairs_per_chunk : int, optional
        Window positions handled at once (default `PAIRS_PER_CHUNK`): the bound
        on this step's memory. The result does not depend on it.

    Returns
    -------
    first, second : np.ndarray of int32
        The pair's word ids, ``first <= second``, sorted by ``(first, second)``.
    counts : np.ndarray of int64
        ``sum(window - d + 1)`` over the pair's occurrences at distance ``d``
        (``window`` times the expected count of the trainer's random window). The
        symmetric counts are ``#(a, b) = #(b, a) = counts`` for ``a != b`` and
        ``#(a, a) = 2 * counts``: each occurrence of ``a`` sees the other.

    Examples
    --------
    >>> tokens = np.array([0, 1, 0, 2], dtype=np.int32)  # 영화 재밌다 영화 ㅋㅋ
    >>> first, second, counts = cooccurrence_counts(tokens, np.array([0, 4]), 3, window=2)
    >>> [(int(a), int(b), int(n)) for a, b, n in zip(first, second, counts)]
    [(0, 0, 1), (0, 1, 4), (0, 2, 2), (1, 2, 1)]
    """
    tokens = np.asarray(tokens)
    ntokens = len(tokens)
    line_of = np.repeat(np.arange(len(line_starts) - 1, dtype=np.int32), np.diff(line_starts))
    # A pair key holds both ids (lo * nwords + hi) and, in its low bits, d - 1; one
    # in-place sort of plain int64 then groups each pair and keeps its weights.
    shift = max(1, int(window - 1).bit_length())
    if (nwords * nwords) << shift >= 2**63:
        raise UsageError(f"a vocabulary of {nwords:,} words is too large to count pairs of")
    block = max(1, (pairs_per_chunk or PAIRS_PER_CHUNK) // window)
    total_keys = np.zeros(0, dtype=np.int64)
    total_counts = np.zeros(0, dtype=np.int64)
    for start in range(0, ntokens, block):
        end = min(start + block, ntokens)
        pieces = []
        for d in range(1, window + 1):
            stop = min(end, ntokens - d)
            if stop <= start:
                break
            same_line = line_of[start:stop] == line_of[start + d : stop + d]
            a = tokens[start:stop][same_line]
            b = tokens[start + d : stop + d][same_line]
            lo = np.minimum(a, b).astype(np.int64)
            lo *= nwords
            lo += np.maximum(a, b)
            lo <<= shift
            lo |= d - 1
            pieces.append(lo)
        keys = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        del pieces
        if len(keys) == 0:  # every pair of this chunk crosses a line end
            continue
        keys.sort()
        weights = window - (keys & ((1 << shift) - 1))
        keys >>= shift
        first_of_run = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        chunk_keys, chunk_counts = keys[first_of_run], np.add.reduceat(weights, first_of_run)
        del keys, weights, first_of_run
        total_keys, total_counts = _merge(total_keys, total_counts, chunk_keys, chunk_counts)
        if bar is not None:
            bar.update(f"counting co-occurrences: {100 * end / ntokens:.0f}%, {len(total_keys):,} distinct pairs")
    return (total_keys // nwords).astype(np.int32), (total_keys % nwords).astype(np.int32), total_counts


def _merge(keys_a, counts_a, keys_b, counts_b) -> tuple[np.ndarray, np.ndarray]:
    """Sum two sorted, duplicate-free (key, count) lists into one."""
    if len(keys_a) == 0:
        return keys_b, counts_b
    keys = np.concatenate((keys_a, keys_b))
    # A stable sort of two sorted runs is one linear merge (timsort finds the runs).
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    counts = np.concatenate((counts_a, counts_b))[order]
    del order
    first_of_run = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    return keys[first_of_run], np.add.reduceat(counts, first_of_run)


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

    def __init__(self, config: dict, vocab: Vocabulary, vectors: np.ndarray, singular_values: np.ndarray):
        self.config = config
        self.vocab = vocab
        self.vectors = vectors
        self.singular_values = singular_values

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
        }
        write_model_file(path, self.config, self.vocab.words, arrays)

    @classmethod
    def load(cls, path: str) -> PPMIModel:
        """Open a model file written by `save`; the vectors are memory-mapped, not read."""
        return cls._from_file(path, *read_model_file(path))

    @classmethod
    def _from_file(cls, path: str, config: dict, words: list[str], arrays: dict[str, np.ndarray]) -> PPMIModel:
        """The model in the parts `read_model_file` gave for ``path``, checked."""
        if config.get("model") != "ppmi":
            raise ModelFileError(f"{path} is not a PPMI model (its model is {config.get('model')!r})")
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
        return cls(config, Vocabulary(words, np.asarray(arrays["counts"])), vectors, np.asarray(arrays["singular_values"]))
