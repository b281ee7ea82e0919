"""GloVe (Pennington, Socher & Manning, EMNLP 2014) on the words the skip-gram trainer sees, optionally with
subword rows, saved as an ordinary `Model`.

1. count (`corpus.cooccurrence.cooccurrence_counts`, ``weighting="harmonic"``): ``X_ij``, the sum of
   ``1 / d`` over the occurrences of ``j`` at distance ``d <= window`` of ``i`` on one line, both directions
   (symmetric: each unordered pair gives ``X_ij`` and ``X_ji``; ``X_ii`` counts both sides), in bounded
   memory (runs spilled to disk past the budget).
2. fit: minimise ``J = sum over nonzero X_ij of f(X_ij) (w_i . c_j + b_i + bc_j - log X_ij) ** 2 / 2`` with
   ``f(x) = min(1, (x / x_max) ** alpha)`` (`weight`), over shuffled minibatches of the nonzero entries, with
   closed-form gradients and AdaGrad as the reference code does it: every parameter's accumulator starts at
   1, a step is ``lr * g / sqrt(accumulator)`` with the accumulator BEFORE this step's ``g ** 2`` is added.
   Initial values: ``uniform(-0.5, 0.5) / dim`` for word rows, context rows and both biases (the reference
   code's), zero for n-gram rows (so that a word's initial vector does not grow with its n-gram count).
3. the word side ``w_i`` is the SUM of word ``i``'s rows (`subwords.subword_table`): its own row and, with
   ``subwords`` other than ``"none"``, one row per hashed n-gram; the context side ``c_j`` is a plain row of
   its own. AdaGrad works on ``w_i`` as on any parameter of the objective, with ONE accumulator per word,
   and the word's change is split evenly over its ``n`` rows (each moves by ``change / n``; a row shared by
   several words takes the sum of their shares), so that the summed vector moves as plain GloVe's word
   vector does, whatever its number of n-grams (the skip-gram trainer's split, `training.steps`). Why not an
   accumulator per row: an n-gram row shared by thousands of words adds all their squared gradients and
   nearly stops moving, and the shared rows are what an unseen word is made of. The entries are taken in
   blocks of `BLOCK_STEPS` minibatches: at a block's start every word of the block is composed from its rows
   (`GloveFit.start_block`), the block's steps move those composed vectors, and at its end each word's
   change goes to its rows (`GloveFit.end_block`). So within a block a word does not see what the other words
   do to the n-gram rows it shares (that arrives with the next block), and each word's ~34 jamo rows
   (NSMC) are gathered and scattered once per block instead of once per minibatch it is in (a minibatch of
   16,384 entries holds ~10,000 distinct words: 350,000 rows). Without subwords the rows are the vectors and
   this is the reference code's AdaGrad exactly. A minibatch's entries are computed from the parameters as
   they were at its start; a word (or context) met several times in one minibatch has its gradients summed
   into one step.
4. save: a `Model` whose input matrix holds the rows, each vocabulary word's own row plus ``c_i``, so that a
   vocabulary word's vector is ``w_i + c_i`` (the paper's ``W + W~``) and every query verb, ``save``,
   ``kft.load``, export and ``kofasttext eval`` work unchanged; the output matrix is the context rows ``C``.
   An unseen word (subwords only) gets the sum of its n-gram rows: a word-side vector only, with no
   context half; cosine similarity, which queries use, does not see the scale difference. The biases answer
   no query and are not stored.

What subwords cost: composing and scattering every word of a block once per block (3), on top of plain
GloVe's steps: on NSMC (jamo 3-6, 21.8M entries, 2 threads) 34 s an epoch against plain GloVe's 24 s. Composed
per minibatch with an accumulator per row (the first version), an epoch took 13-14 minutes, and 2 epochs gave
unseen typos / conjugations hit@10 of 0.03 / 0.01, against 0.24 / 0.13 after 10 epochs now (benchmarks/RESULTS.md,
issue 17, point 4; the two changes were made and measured together).
"""

from __future__ import annotations

import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from .. import pretokenizers
from ..corpus import check_text, encode_with_progress, fit_pretokenizer
from ..corpus.cooccurrence import cooccurrence_counts
from ..environment import available_cores
from ..errors import CorpusError, TrainingError, UsageError
from ..model import Model
from ..progress import Progress, format_duration
from ..subwords import DEFAULT_BUCKET, SubwordScheme, compact_buckets, subword_table
from ..validate import positive_int, positive_number
from .steps import gather_bags

#: Nonzero entries X_ij per minibatch (a small problem gets fewer, so that an epoch has at least 64 steps).
BATCH_ENTRIES = 16384

#: With subwords, the word side is composed from its rows once per block of this many minibatches, not once per
#: minibatch (module docstring, 3).
BLOCK_STEPS = 64

#: GloVe's defaults (the paper, and the reference code's ``glove``): window 10, x_max 100, alpha 0.75, lr 0.05.
DEFAULT_WINDOW = 10


def weight(x: torch.Tensor, x_max: float, alpha: float) -> torch.Tensor:
    """GloVe's weighting ``f(x) = (x / x_max) ** alpha``, capped at 1 (for ``x >= x_max``).

    Examples
    --------
    >>> [round(v, 4) for v in weight(torch.tensor([1.0, 100.0, 400.0]), 100.0, 0.75).tolist()]  # 영화-재밌다: 1, 100, 400
    [0.0316, 1.0, 1.0]
    """
    return torch.clamp(x / x_max, max=1.0) ** alpha


# Long for its docstring (every keyword); the code is check, read, count, fit, and the Model.
def train_glove(
    corpus_path: str,
    dim: int = 100,
    window: int = DEFAULT_WINDOW,
    x_max: float = 100.0,
    alpha: float = 0.75,
    epoch: int = 25,
    lr: float = 0.05,
    min_count: int = 5,
    subwords: str = "jamo",
    minn=None,
    maxn=None,
    bucket: int = DEFAULT_BUCKET,
    threads: int | None = None,
    seed: int = 0,
    progress: bool = True,
    column: str | int | None = None,
    pretokenizer="whitespace",
    batch_size: int | None = None,
    allow_binary: bool = False,
) -> Model:
    """GloVe vectors (optionally with subword rows, so that unseen words get vectors), as a `Model`.

    See the module docstring for every formula and choice.

    Parameters
    ----------
    corpus_path : str
        Text file (``.txt`` or gzip), one document per line, or a ``.tsv`` with ``column``.
    dim : int
        Vector length.
    window : int
        Context words counted on each side, an occurrence at distance ``d`` counting ``1 / d``.
    x_max, alpha : float
        The weighting ``f(x) = min(1, (x / x_max) ** alpha)``; both positive.
    epoch : int
        Passes over the nonzero co-occurrence entries.
    lr : float
        AdaGrad's initial learning rate.
    min_count : int
        Words rarer than this are dropped before counting.
    subwords : {"jamo", "syllable", "hybrid", "none"}
        ``"none"``: plain GloVe. Otherwise a word's side of the objective is the sum of its own row and its
        n-gram rows (`kofasttext.subwords`; ``minn``, ``maxn``, ``bucket`` as for `kofasttext.train`).
    threads : int, optional
        Torch intra-op threads (default: the cores this process may use).
    seed : int
        Seeds the initial values and the shuffling; with the same threads, the same vectors.
    progress : bool
        Show progress lines on stderr.
    column, pretokenizer, allow_binary
        As for `kofasttext.train`.
    batch_size : int, optional
        Nonzero entries per minibatch (default `BATCH_ENTRIES`).

    Returns
    -------
    Model
        ``config["model"] == "glove"``; a vocabulary word's vector is ``W + W~``.

    Examples
    --------
    >>> import kofasttext as kft
    >>> model = kft.train_glove("corpora/demo_ko.txt", dim=20, epoch=10, min_count=3, subwords="jamo",
    ...                         bucket=100_000, progress=False)
    >>> model.config["model"], model.dim
    ('glove', 20)
    >>> bool(model["몰랐겠지"].any())  # unseen: the sum of its jamo n-gram rows
    True
    """
    for name, value in (("dim", dim), ("window", window), ("epoch", epoch), ("min_count", min_count)):
        positive_int(value, name)
    for name, value in (("x_max", x_max), ("alpha", alpha), ("lr", lr)):
        positive_number(value, name)
    if threads is not None:
        threads = positive_int(threads, "threads")
    if batch_size is not None:
        batch_size = positive_int(batch_size, "batch_size")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise UsageError(f"seed must be a non-negative integer, got {seed!r}")
    scheme = SubwordScheme.create(subwords, minn, maxn, bucket)

    bar = Progress(progress)
    started = time.monotonic()
    if not allow_binary:
        check_text(corpus_path)
    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        words = fit_pretokenizer(pretokenizers.create(pretokenizer), corpus_path, column, seed, bar)
        scheme = scheme.with_extra(words.extra_subwords)
        corpus = encode_with_progress(corpus_path, min_count, column, words, bar, workers=threads or available_cores())
        nwords = len(corpus.vocab)
        counting = time.monotonic()
        first, second, counts = cooccurrence_counts(
            corpus.tokens, corpus.line_starts, nwords, window, bar=bar, weighting="harmonic"
        )
        if len(counts) == 0:
            raise CorpusError(f"no two words of {corpus_path} occur within {window} words of each other on one line")
        count_seconds = time.monotonic() - counting
        bar.message(f"{len(counts):,} distinct pairs counted in {format_duration(count_seconds)}")
        offsets, rows = subword_table(corpus.vocab.words, scheme)
        rows, used_buckets = compact_buckets(rows, scheme.first_bucket_row(nwords))
        fit = GloveFit(nwords + len(used_buckets), nwords, dim, offsets, rows, seed)
        losses, epoch_seconds = fit.train(
            *symmetric_entries(first, second, counts), x_max, alpha, lr, epoch, batch_size or BATCH_ENTRIES, seed, bar
        )
    finally:
        torch.set_num_threads(previous_threads)
        bar.done()
    elapsed = time.monotonic() - started
    bar.message(f"GloVe vectors of {nwords:,} words, dim {dim} ({format_duration(elapsed)})")
    config = {
        **scheme.to_config(),
        "model": "glove",
        "dim": int(dim),
        "epoch": int(epoch),
        "window": int(window),
        "window_weight": "harmonic",  # an occurrence at distance d counts 1/d
        "min_count": int(min_count),
        "lr": float(lr),
        "x_max": float(x_max),
        "alpha": float(alpha),
        "optimizer": "adagrad",  # accumulators start at 1; steps use the accumulator before adding g**2
        "batch_entries": int(batch_size or BATCH_ENTRIES),
        "seed": int(seed),
        "word_vector": "sum",  # of the rows; a vocabulary word's own row holds W + W~ (glove_vector below)
        "glove_vector": "W+C",  # vocabulary words: word side + context side; unseen words: n-gram rows only
        "pretokenizer": words.to_config(),
        "corpus": os.path.basename(corpus_path),
        "corpus_lines": corpus.stats.lines,
        "corpus_tokens": corpus.stats.tokens,
        "distinct_pairs": int(len(counts)),
        "loss_per_epoch": [round(loss, 6) for loss in losses],
        "epoch_seconds": [round(seconds, 2) for seconds in epoch_seconds],
        "count_seconds": round(count_seconds, 2),
        "train_seconds": round(elapsed, 2),
    }
    input_matrix, output_matrix = fit.folded()
    return Model(config, corpus.vocab, input_matrix, output_matrix, offsets, rows, used_buckets, words)


def symmetric_entries(first: np.ndarray, second: np.ndarray, counts: np.ndarray):
    """The nonzero ``X_ij`` of both directions from `cooccurrence_counts`' unordered pairs: ``(i, j, x)``.

    ``X_ij = X_ji = counts`` for ``i != j``; ``X_ii = 2 * counts`` (each occurrence sees the other).

    Examples
    --------
    >>> i, j, x = symmetric_entries(np.array([0, 0]), np.array([0, 1]), np.array([0.5, 2.0]))
    >>> i.tolist(), j.tolist(), x.tolist()
    ([0, 0, 1], [0, 1, 0], [1.0, 2.0, 2.0])
    """
    off = first != second
    i = np.concatenate((first, second[off])).astype(np.int32)
    j = np.concatenate((second, first[off])).astype(np.int32)
    x = np.concatenate((np.where(off, 1.0, 2.0) * counts, counts[off])).astype(np.float64)
    return i, j, x


class GloveFit:
    """GloVe's parameters and their AdaGrad accumulators, and the minibatch step (module docstring, 2-3).

    ``rows`` of ``offsets`` (a `subwords.subword_table`) say which of the ``nrows`` word-side rows word ``i``
    is the sum of; the context side has ``nwords`` rows of its own. ``words`` holds the word side's vectors
    the steps move: the rows themselves without subwords; with them, the composed vectors of the current
    block's words (`start_block`), whose changes `end_block` splits over the rows.
    """

    def __init__(self, nrows: int, nwords: int, dim: int, offsets: np.ndarray, rows: np.ndarray, seed: int):
        generator = torch.Generator().manual_seed(seed)

        def uniform(*shape):
            return (torch.rand(*shape, generator=generator, dtype=torch.float32) - 0.5) / dim

        self.nwords, self.dim = nwords, dim
        self.word_rows = torch.zeros(nrows, dim)  # [nrows, d]: own rows, then n-gram rows (zero at the start)
        self.word_rows[:nwords] = uniform(nwords, dim)
        self.context = uniform(nwords, dim)  # [V, d]
        self.word_bias = uniform(nwords)  # [V]
        self.context_bias = uniform(nwords)  # [V]
        # One accumulator per parameter of the objective: w_i (per word), c_j, b_i, bc_j.
        self.accumulators = [torch.ones(nwords, dim), torch.ones_like(self.context), torch.ones(nwords), torch.ones(nwords)]
        self.offsets = torch.from_numpy(np.asarray(offsets, dtype=np.int64))
        self.rows = torch.from_numpy(np.asarray(rows, dtype=np.int64))
        lengths = self.offsets[1:] - self.offsets[:-1]
        self.plain = bool((lengths == 1).all()) and bool((self.rows == torch.arange(nwords)).all())  # word i is row i
        self.words = self.word_rows if self.plain else torch.zeros(nwords, dim)  # [V, d]
        self._block: tuple[torch.Tensor, torch.Tensor] | None = None  # (words, their vectors at the block's start)

    def word_vectors(self, words: torch.Tensor) -> torch.Tensor:
        """``w`` of ``words`` [U]: the sum of each one's rows, [U, d]."""
        flat_rows, bag_starts, _ = gather_bags(words, self.offsets, self.rows)
        return F.embedding_bag(flat_rows, self.word_rows, bag_starts, mode="sum")

    def start_block(self, i: torch.Tensor) -> None:
        """Compose the words of the entries ``i`` the next steps will move (nothing to do without subwords)."""
        if self.plain:
            return
        words = torch.unique(i).long()
        vectors = self.word_vectors(words)
        self.words.index_copy_(0, words, vectors)
        self._block = (words, vectors)

    def end_block(self, words_per_scatter: int = 8192) -> None:
        """Split each block word's change over its ``n`` rows (each row moves by ``change / n``; a row shared by
        several words takes the sum), ``words_per_scatter`` words at a time to bound the [rows, d] step."""
        if self._block is None:
            return
        words, before = self._block
        change = self.words.index_select(0, words) - before  # [U, d]
        for low in range(0, len(words), words_per_scatter):
            part = words[low : low + words_per_scatter]
            flat_rows, _, lengths = gather_bags(part, self.offsets, self.rows)
            share = change[low : low + words_per_scatter] / lengths.unsqueeze(1)
            self.word_rows.index_add_(0, flat_rows, share.repeat_interleave(lengths, dim=0, output_size=len(flat_rows)))
        self._block = None

    def step(self, i: torch.Tensor, j: torch.Tensor, log_x: torch.Tensor, f: torch.Tensor, lr: float) -> float:
        """One AdaGrad step on a minibatch of entries ``(i, j)`` [B] (their words in the current block); returns
        its summed loss ``sum f diff**2 / 2``."""
        words, word_of = torch.unique(i, return_inverse=True)  # [U], [B]
        contexts, context_of = torch.unique(j, return_inverse=True)  # [U'], [B]
        w = self.words.index_select(0, words)  # [U, d]
        c = self.context.index_select(0, contexts)  # [U', d]
        w_of, c_of = w.index_select(0, word_of), c.index_select(0, context_of)  # [B, d]
        # -- forward: every entry from the parameters as they are at the minibatch's start
        diff = (w_of * c_of).sum(1) + self.word_bias[words][word_of]
        diff += self.context_bias[contexts][context_of] - log_x  # [B]
        f_diff = f * diff  # [B]
        loss = float((f_diff * diff).sum()) / 2
        # -- gradients, summed per distinct word / context
        grad_w = torch.zeros_like(w).index_add_(0, word_of, f_diff[:, None] * c_of)  # [U, d]
        grad_c = torch.zeros_like(c).index_add_(0, context_of, f_diff[:, None] * w_of)  # [U', d]
        grad_bw = torch.zeros(len(words)).index_add_(0, word_of, f_diff)  # [U]
        grad_bc = torch.zeros(len(contexts)).index_add_(0, context_of, f_diff)  # [U']
        # -- AdaGrad, one step per distinct parameter
        self.words.index_add_(0, words, self._adagrad(0, words, grad_w, lr), alpha=-1.0)
        self.context.index_add_(0, contexts, self._adagrad(1, contexts, grad_c, lr), alpha=-1.0)
        self.word_bias.index_add_(0, words, self._adagrad(2, words, grad_bw, lr), alpha=-1.0)
        self.context_bias.index_add_(0, contexts, self._adagrad(3, contexts, grad_bc, lr), alpha=-1.0)
        return loss

    def _adagrad(self, which: int, index: torch.Tensor, grad: torch.Tensor, lr: float) -> torch.Tensor:
        """AdaGrad's step for the parameters ``index`` (distinct) of accumulator ``which``, from the accumulator
        before this ``grad ** 2`` is added (as the reference code does); the step is returned, not applied."""
        accumulator = self.accumulators[which]
        step = lr * grad / accumulator.index_select(0, index).sqrt()
        accumulator.index_add_(0, index, grad * grad)
        return step

    def train(self, i, j, x, x_max: float, alpha: float, lr: float, epochs: int, batch: int, seed: int, bar):
        """``epochs`` passes over the entries in a fresh random order each, in blocks of `BLOCK_STEPS`
        minibatches: ``(mean loss per entry, seconds)`` of each epoch."""
        i, j = torch.from_numpy(i), torch.from_numpy(j)  # int32, made int64 per minibatch (21.8M entries: 350 MB)
        x = torch.from_numpy(x)
        log_x = torch.log(x).to(torch.float32)  # [N]
        f = weight(x, x_max, alpha).to(torch.float32)  # [N]
        n = len(x)
        batch = max(1, min(batch, math.ceil(n / 64)))
        generator = torch.Generator().manual_seed(seed + 1)
        losses, seconds = [], []
        for number in range(epochs):
            started = time.monotonic()
            order = torch.randperm(n, generator=generator)
            total = 0.0
            for block in range(0, n, batch * BLOCK_STEPS):
                self.start_block(i[order[block : block + batch * BLOCK_STEPS]])
                for start in range(block, min(n, block + batch * BLOCK_STEPS), batch):
                    take = order[start : start + batch]
                    total += self.step(i[take].long(), j[take].long(), log_x[take], f[take], lr)
                self.end_block()
            losses.append(total / n)
            seconds.append(time.monotonic() - started)
            if not math.isfinite(total):
                raise TrainingError(f"GloVe diverged in epoch {number + 1} (loss {total}); lower lr")
            bar.update(
                f"GloVe epoch {number + 1}/{epochs}: loss {total / n:.4f} per entry ({format_duration(seconds[-1])})",
                force=True,
            )
        return losses, seconds

    def folded(self) -> tuple[np.ndarray, np.ndarray]:
        """``(input matrix, output matrix)`` of the `Model`: word rows with ``C`` added to the own rows, and ``C``."""
        input_matrix = self.word_rows.clone()
        input_matrix[: self.nwords] += self.context
        return input_matrix.numpy(), self.context.clone().numpy()
