"""Training: from a corpus file to a `Model`.

The loop follows fastText's skip-gram: one pass per epoch over the corpus in file
order; each occurrence is kept with the subsampling probability
(`Vocabulary.keep_probabilities`); each kept centre word gets a window half-width
drawn uniformly from ``1..window`` and predicts every kept word that close to it
on the same line; the learning rate falls linearly from ``lr`` to 0 over all
``epoch * tokens`` corpus tokens. The minibatch arithmetic is in `sgns`.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from .corpus import EncodedCorpus, encode_corpus
from .errors import TrainingError, UsageError
from .model import Model
from .progress import Progress, format_count, format_duration
from .sgns import cbow_step, skipgram_step
from .subwords import SubwordScheme, subword_table
from .vocab import NEGATIVE_EXPONENT

MODELS = ("skipgram", "cbow")

#: Centre words per minibatch: larger batches are faster, but sum more updates
#: computed from the same stale parameters. A small corpus gets smaller batches so
#: that an epoch is still at least ~MIN_STEPS_PER_EPOCH steps.
MAX_BATCH_CENTRES = 1024
MIN_BATCH_CENTRES = 16
MIN_STEPS_PER_EPOCH = 256

#: Work is handed out in chunks of the corpus: enough per worker to balance the
#: load, none so short that a chunk's set-up dominates.
CHUNKS_PER_WORKER = 16
MIN_CHUNK_TOKENS = 20_000


def train(
    corpus_path: str,
    subwords: str = "jamo",
    dim: int = 100,
    epoch: int = 5,
    window: int = 5,
    neg: int = 5,
    min_count: int = 5,
    minn=None,
    maxn=None,
    bucket: int = 2_000_000,
    lr: float = 0.05,
    sample: float = 1e-4,
    threads: int | None = None,
    device: str = "cpu",
    seed: int = 0,
    progress: bool = True,
    column: str | int | None = None,
    model: str = "skipgram",
) -> Model:
    """Train subword skip-gram vectors on a Korean corpus.

    Parameters
    ----------
    corpus_path : str
        Text file (``.txt`` or gzip), one document per line, or a ``.tsv`` with
        ``column`` naming the text column.
    subwords : {"jamo", "syllable", "hybrid", "none"}
        How words are cut into n-grams (see `kofasttext.subwords`).
    dim, epoch, window, neg, min_count, lr, sample : as in fastText.
    minn, maxn : int, or (syllable, jamo) pairs for hybrid
        N-gram lengths; default syllable 2-4, jamo 3-6.
    bucket : int
        Hash buckets for n-grams.
    threads : int, optional
        Worker threads updating the shared matrices without locks (Hogwild), each
        on its own stretch of the corpus (default: the cores this process may use).
        With ``threads=1`` a seed gives bit-identical vectors on every run; with
        more, the order of updates varies and results vary within noise.
    device : {"cpu", "cuda"}
    seed : int
        Seeds initialisation, subsampling, windows and negatives.
    progress : bool
        Show a progress line on stderr.
    column : str or int, optional
        Text column of a ``.tsv`` corpus.
    model : {"skipgram", "cbow"}
        Skip-gram (the centre word predicts its context) or CBOW (the mean of the
        context predicts the centre word).

    Returns
    -------
    Model

    Examples
    --------
    >>> import kofasttext as kft
    >>> model = kft.train("corpora/demo_ko.txt", subwords="jamo", dim=50, epoch=10, progress=False)  # doctest: +SKIP
    >>> model.most_similar("몰랐겠지", topn=3)  # doctest: +SKIP
    """
    options = dict(dim=dim, epoch=epoch, window=window, neg=neg, min_count=min_count)
    for name, value in options.items():
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise UsageError(f"{name} must be a positive integer, got {value!r}")
    if not lr > 0:
        raise UsageError(f"lr must be positive, got {lr!r}")
    if not sample >= 0:
        raise UsageError(f"sample must be 0 or positive, got {sample!r}")
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise UsageError(f"threads must be a positive integer, got {threads!r}")
    if model not in MODELS:
        raise UsageError(f"unknown model {model!r}; choose skipgram or cbow")
    torch_device = _device(device)
    scheme = SubwordScheme.create(subwords, minn, maxn, bucket)

    bar = Progress(progress)
    started = time.monotonic()
    corpus = encode_corpus(
        corpus_path,
        min_count,
        column,
        on_progress=lambda s: bar.update(f"reading {corpus_path}: {s.lines:,} lines, {format_count(s.tokens)} tokens"),
    )
    for warning in corpus.stats.warnings:
        bar.message(f"warning: {warning}")
    bar.message(
        f"read {corpus.stats.lines:,} lines, {corpus.stats.tokens:,} tokens; "
        f"{len(corpus.vocab):,} words occur >= {min_count} times ({format_duration(time.monotonic() - started)})"
    )
    offsets, rows = subword_table(corpus.vocab.words, scheme)

    workers = 1 if torch_device.type == "cuda" else (threads or _available_cores())
    # Parallelism comes from the workers; intra-op threads on top of them only
    # fight over the cores (an OpenMP pool spinning on a busy core is very slow).
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        input_matrix, output_matrix = _train_matrices(
            corpus, offsets, rows, scheme, model, dim, epoch, window, neg, lr, sample, seed, workers, torch_device, bar
        )
    finally:
        torch.set_num_threads(previous_threads)
    bar.done()

    config = {
        **scheme.to_config(),
        "model": model,
        "pretokenizer": "whitespace",
        "dim": dim,
        "epoch": epoch,
        "window": window,
        "neg": neg,
        "min_count": min_count,
        "lr": lr,
        "sample": sample,
        "seed": seed,
        "negative_exponent": NEGATIVE_EXPONENT,
        "word_vector": "sum",
        "corpus": os.path.basename(corpus_path),
        "corpus_lines": corpus.stats.lines,
        "corpus_tokens": corpus.stats.tokens,
        "train_seconds": round(time.monotonic() - started, 2),
    }
    return Model(config, corpus.vocab, input_matrix, output_matrix, offsets, rows)


def _available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _device(name: str) -> torch.device:
    if name not in ("cpu", "cuda") and not name.startswith("cuda:"):
        raise UsageError(f"unknown device {name!r}; choose cpu or cuda")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError("device cuda was asked for, but this torch build sees no CUDA GPU")
    return torch.device(name)


@dataclass
class _Plan:
    """Everything the workers read; the two matrices are what they write."""

    tokens: torch.Tensor  # int32 [N]
    line_of_token: torch.Tensor  # int32 [N]
    keep_probability: torch.Tensor  # float32 [nwords]
    negative_table: torch.Tensor  # int32 [T]
    subword_offsets: torch.Tensor
    subword_rows: torch.Tensor
    input_matrix: torch.Tensor
    output_matrix: torch.Tensor
    step: Callable
    epochs: int
    window: int
    neg: int
    lr: float
    seed: int
    batch_centres: int
    device: torch.device


class _Progress:
    """The work queue and the counters the workers write (each its own slot).

    The corpus is cut into chunks; workers take the next (epoch, chunk) in order,
    so a slow worker never holds the others up, and with one worker the order
    is the corpus order, epoch after epoch.
    """

    def __init__(self, workers: int, ntokens: int, epochs: int):
        nchunks = max(1, min(CHUNKS_PER_WORKER * workers, ntokens // MIN_CHUNK_TOKENS))
        self.bounds = np.linspace(0, ntokens, nchunks + 1).astype(np.int64)
        self.chunks = epochs * nchunks
        self.total = epochs * ntokens
        self._next = 0
        self._lock = threading.Lock()
        self.done = np.zeros(workers, dtype=np.int64)  # corpus tokens processed, all epochs
        self.loss = np.zeros(workers)
        self.pairs = np.zeros(workers)
        self.stop = threading.Event()
        self.errors: list[BaseException] = []

    def next_chunk(self) -> tuple[int, int, int] | None:
        """``(epoch, low, high)`` of the next chunk to train, or None when all are taken."""
        with self._lock:
            if self._next >= self.chunks:
                return None
            epoch, index = divmod(self._next, len(self.bounds) - 1)
            self._next += 1
        return epoch, int(self.bounds[index]), int(self.bounds[index + 1])


def _run_worker(rank: int, plan: _Plan, progress: _Progress) -> None:
    # OpenMP's thread count is per thread: a new thread starts with all cores.
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(plan.seed * 1_000_003 + rank)
    try:
        while not progress.stop.is_set():
            chunk = progress.next_chunk()
            if chunk is None:
                return
            _train_chunk(rank, chunk, plan, progress, generator)
    except BaseException as error:  # surfaced by the main thread
        progress.errors.append(error)
        progress.stop.set()


def _train_chunk(rank: int, chunk: tuple[int, int, int], plan: _Plan, progress: _Progress, generator) -> None:
    """Train on tokens ``low:high`` (one stretch of the corpus) in ``epoch``."""
    epoch, low, high = chunk
    tokens = plan.tokens[low:high]
    keep = torch.rand(high - low, generator=generator) < plan.keep_probability[tokens.long()]
    kept = torch.nonzero(keep).squeeze(1)
    kept_tokens, kept_lines = tokens[kept].long(), plan.line_of_token[low:high][kept]
    window_offsets = torch.cat([torch.arange(-plan.window, 0), torch.arange(1, plan.window + 1)])
    nkept, counted, device = len(kept), 0, plan.device
    for start in range(0, nkept, plan.batch_centres):
        if progress.stop.is_set():
            return
        end = min(start + plan.batch_centres, nkept)
        lr = plan.lr * max(0.0, 1.0 - progress.done.sum() / progress.total)
        positions = torch.arange(start, end)
        half_width = torch.randint(1, plan.window + 1, (end - start,), generator=generator)
        context_positions = positions.unsqueeze(1) + window_offsets
        valid = (window_offsets.abs() <= half_width.unsqueeze(1)) & (context_positions >= 0)
        valid &= context_positions < nkept
        context_positions.clamp_(0, nkept - 1)
        valid &= kept_lines[context_positions] == kept_lines[positions].unsqueeze(1)
        pair_centre, pair_slot = torch.nonzero(valid, as_tuple=True)
        position = int(kept[end - 1]) + 1
        progress.done[rank] += position - counted
        counted = position
        if len(pair_centre) == 0:
            continue
        pair_context = kept_tokens[context_positions[pair_centre, pair_slot]]
        slots = torch.randint(len(plan.negative_table), ((end - start) * plan.neg,), generator=generator)
        negatives = plan.negative_table[slots].long().view(-1, plan.neg)
        loss = plan.step(
            plan.input_matrix,
            plan.output_matrix,
            plan.subword_offsets,
            plan.subword_rows,
            kept_tokens[start:end].to(device),
            pair_centre.to(device),
            pair_context.to(device),
            negatives.to(device),
            lr,
        )
        if not math.isfinite(loss):
            raise TrainingError(f"training diverged in epoch {epoch + 1} (the loss became {loss}); try a lower --lr")
        progress.loss[rank] += loss
        progress.pairs[rank] += len(pair_centre)
    progress.done[rank] += (high - low) - counted


def _train_matrices(
    corpus: EncodedCorpus,
    offsets: np.ndarray,
    rows: np.ndarray,
    scheme: SubwordScheme,
    model: str,
    dim: int,
    epochs: int,
    window: int,
    neg: int,
    lr: float,
    sample: float,
    seed: int,
    workers: int,
    device: torch.device,
    bar: Progress,
) -> tuple[np.ndarray, np.ndarray]:
    generator = torch.Generator(device="cpu").manual_seed(seed)
    nwords = len(corpus.vocab)
    nrows = nwords + (scheme.bucket if scheme.name != "none" else 0)
    # fastText's initialisation: input rows uniform in +-1/dim, output rows zero.
    input_matrix = torch.empty(nrows, dim).uniform_(-1 / dim, 1 / dim, generator=generator)
    output_matrix = torch.zeros(nwords, dim)
    ntokens = len(corpus.tokens)
    line_lengths = np.diff(corpus.line_starts)
    plan = _Plan(
        tokens=torch.from_numpy(corpus.tokens),
        line_of_token=torch.from_numpy(np.repeat(np.arange(len(line_lengths), dtype=np.int32), line_lengths)),
        keep_probability=torch.from_numpy(corpus.vocab.keep_probabilities(sample)),
        negative_table=torch.from_numpy(corpus.vocab.negative_table()),
        subword_offsets=torch.from_numpy(offsets).to(device),
        subword_rows=torch.from_numpy(rows.astype(np.int64)).to(device),
        input_matrix=input_matrix.to(device),
        output_matrix=output_matrix.to(device),
        step=skipgram_step if model == "skipgram" else cbow_step,
        epochs=epochs,
        window=window,
        neg=neg,
        lr=lr,
        seed=seed,
        batch_centres=int(np.clip(ntokens // workers // MIN_STEPS_PER_EPOCH, MIN_BATCH_CENTRES, MAX_BATCH_CENTRES)),
        device=device,
    )
    # Like fastText's threads, the workers train on different stretches of the
    # corpus at once and update the shared matrices without locks (Hogwild).
    progress = _Progress(workers, ntokens, epochs)
    total = progress.total
    threads = [threading.Thread(target=_run_worker, args=(rank, plan, progress), daemon=True) for rank in range(workers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.25)
                _show(bar, progress, total, epochs, ntokens, plan.lr, time.monotonic() - started, workers)
    except KeyboardInterrupt:
        progress.stop.set()
        for thread in threads:
            thread.join()
        raise
    if progress.errors:
        raise progress.errors[0]
    elapsed = time.monotonic() - started
    loss = progress.loss.sum() / max(progress.pairs.sum(), 1)
    bar.update(
        f"trained {epochs} epochs of {ntokens:,} tokens in {format_duration(elapsed)} "
        f"({format_count(total / max(elapsed, 1e-9))} words/s), loss {loss:.3f}",
        force=True,
    )
    return plan.input_matrix.cpu().numpy(), plan.output_matrix.cpu().numpy()


def _show(bar: Progress, progress: _Progress, total: int, epochs: int, ntokens: int, lr: float, elapsed: float, workers: int):
    done = int(progress.done.sum())
    if done == 0:
        return
    speed = done / max(elapsed, 1e-9)
    loss = progress.loss.sum() / max(progress.pairs.sum(), 1)
    epoch = min(epochs, done // ntokens + 1)
    bar.update(
        f"epoch {epoch}/{epochs} {100 * done / total:5.1f}% | {format_count(speed)} words/s "
        f"({format_count(speed / workers)}/thread) | lr {lr * max(0.0, 1 - done / total):.4f} | "
        f"loss {loss:.3f} | ETA {format_duration((total - done) / speed)}"
    )
