"""Training: from a corpus file to a `Model`.

The loop follows fastText's skip-gram (or CBOW): epochs over the corpus in file
order; each occurrence is kept with the subsampling probability
(`Vocabulary.keep_probabilities`); each kept centre word gets a window half-width
drawn uniformly from ``1..window`` and is paired with every kept word that close
to it on the same line; the learning rate falls linearly from ``lr`` to 0 over
all ``epoch * tokens`` corpus tokens. The minibatch arithmetic is in `sgns`.

Parallelism is fastText's: worker threads train on different stretches
("chunks") of the corpus at once and update the shared matrices without locks
(Hogwild). Chunks are handed out in corpus order, epoch after epoch, so one
worker trains in exactly the order of the corpus, and every chunk draws its
random numbers from its own seed, whichever worker trains it.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from . import pretokenizers
from .corpus import EncodedCorpus, encode_corpus, iter_lines
from .errors import CorpusError, TrainingError, TrainingInterrupted, UsageError
from .model import Model
from .progress import Progress, format_count, format_duration
from .sgns import cbow_step, skipgram_step
from .subwords import SubwordScheme, compact_buckets, subword_table
from .vocab import NEGATIVE_EXPONENT

MODELS = ("skipgram", "cbow")

#: Each centre word draws this many times ``neg`` negatives, shared by its pairs
#: (see `sgns`): 1 cost 0.4-0.5 points of NSMC accuracy, 2 matched per-pair draws.
NEGATIVES_PER_CENTRE = 2

#: Centre words per minibatch: larger batches are faster, but sum more updates
#: computed from the same stale parameters. A small corpus gets smaller batches so
#: that an epoch is still at least ~MIN_STEPS_PER_EPOCH steps per worker.
MAX_BATCH_CENTRES = 1024
MIN_BATCH_CENTRES = 16
MIN_STEPS_PER_EPOCH = 256

#: A minibatch whose loss per (centre, context) pair is above this has diverged: the loss starts near
#: (1 + neg) * ln 2 (4.2 at neg 5) and falls; one above 100 means vectors whose scores run into the hundreds,
#: and the model would be useless long before it overflowed to inf.
DIVERGED_LOSS_PER_PAIR = 100.0

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
    checkpoint: str | None = None,
    checkpoint_every: float | None = None,
    resume: bool = False,
    pretokenizer="whitespace",
) -> Model:
    """Train subword word vectors on a Korean corpus.

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
        Worker threads (default: the cores this process may use). With
        ``threads=1`` a seed gives bit-identical vectors on every run; with more,
        the interleaving of updates varies, and so do results, within noise.
    device : {"cpu", "cuda"}
        On ``cuda`` one worker feeds the GPU.
    seed : int
        Seeds initialisation, subsampling, windows and negatives.
    progress : bool
        Show a progress line on stderr.
    column : str or int, optional
        Text column of a ``.tsv`` corpus.
    model : {"skipgram", "cbow"}
        Skip-gram (the centre word predicts its context) or CBOW (the mean of the
        context predicts the centre word).
    checkpoint : str, optional
        File to save a usable model to every ``checkpoint_every`` minutes and on
        Ctrl-C (atomically; it loads with `kofasttext.load`).
    checkpoint_every : float, optional
        Minutes between checkpoints (default: only on Ctrl-C).
    resume : bool
        Continue the run saved in ``checkpoint`` to the same end, with the same lr
        schedule and the options stored in it (the other options given here are
        not used, except ``threads``, ``device`` and ``progress``); the
        pretokeniser is the checkpoint's, a sentencepiece model included.
    pretokenizer : str or dict
        What counts as a word (`kofasttext.pretokenizers`): ``"whitespace"``
        (default), ``"kiwi"``, ``"kiwi:tags"``, ``"kiwi:join"``,
        ``"sentencepiece"``, ``"sentencepiece:bpe,subwords,vocab=16000"``, ...
        Stored in the model, so its queries cut text the same way. A
        sentencepiece model is trained on the corpus first and stored in the model.

    Returns
    -------
    Model

    Examples
    --------
    >>> import kofasttext as kft
    >>> model = kft.train("corpora/demo_ko.txt", epoch=30, min_count=2, sample=1e-3, bucket=200_000,
    ...                   threads=1, progress=False)  # doctest: +SKIP
    >>> model.most_similar("몰랐겠지", topn=3)  # doctest: +SKIP
    [('몰랐던', 0.844), ('몰랐다니', 0.785), ('뜻인지', 0.765)]
    """
    if threads is not None and (not isinstance(threads, (int, np.integer)) or isinstance(threads, bool) or threads < 1):
        raise UsageError(f"threads must be a positive integer, got {threads!r}")
    if checkpoint_every is not None and not checkpoint_every > 0:
        raise UsageError(f"checkpoint_every must be a positive number of minutes, got {checkpoint_every!r}")
    if (resume or checkpoint_every) and not checkpoint:
        raise UsageError("resume and checkpoint_every need a checkpoint file")
    torch_device = _device(device)
    previous = Model.load(checkpoint) if resume else None
    if previous is not None:
        if "checkpoint" not in previous.config:
            raise UsageError(f"{checkpoint} is a finished model, not a checkpoint to resume")
        options = {k: previous.config[k] for k in _TRAINING_OPTIONS}
        # The checkpoint's own pretokeniser (its trained sentencepiece model too): the same words again.
        words = pretokenizers.from_config(previous.config.get("pretokenizer"), previous.pretokenizer.arrays(), threads)
        scheme = SubwordScheme.from_config(previous.config).with_extra(words.extra_subwords)
    else:
        options = dict(
            model=model, dim=dim, epoch=epoch, window=window, neg=neg, min_count=min_count, lr=lr, sample=sample, seed=seed
        )
        _check_options(options)
        words = pretokenizers.create(pretokenizer, workers=threads)
        scheme = SubwordScheme.create(subwords, minn, maxn, bucket).with_extra(words.extra_subwords)

    bar = Progress(progress)
    started = time.monotonic()
    if words.needs_fit:
        words = _fit_pretokenizer(words, corpus_path, column, options["seed"], bar)
        scheme = scheme.with_extra(words.extra_subwords)
    corpus = _read(corpus_path, options["min_count"], column, bar, words)
    if previous is not None and previous.words != corpus.vocab.words:
        raise CorpusError(f"{corpus_path} is not the corpus {checkpoint} was trained on (its vocabulary differs)")
    offsets, rows = subword_table(corpus.vocab.words, scheme)
    rows, used_buckets = compact_buckets(rows, len(corpus.vocab))
    config = {
        **scheme.to_config(),
        **options,
        "pretokenizer": words.to_config(),
        "negative_exponent": NEGATIVE_EXPONENT,
        "word_vector": "sum",
        "corpus": os.path.basename(corpus_path),
        "corpus_lines": corpus.stats.lines,
        "corpus_tokens": corpus.stats.tokens,
    }
    workers = 1 if torch_device.type == "cuda" else int(threads or _available_cores())
    run = _Run(corpus, offsets, rows, used_buckets, config, workers, torch_device, bar, previous, words)
    # Parallelism comes from the workers; intra-op threads on top of them only
    # fight over the cores (an OpenMP pool spinning on a busy core is very slow).
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        run.train(checkpoint, checkpoint_every)
    finally:
        torch.set_num_threads(previous_threads)
        bar.done()
    config["train_seconds"] = round(time.monotonic() - started, 2)
    return run.model(config)


_TRAINING_OPTIONS = ("model", "dim", "epoch", "window", "neg", "min_count", "lr", "sample", "seed")


def _check_options(options: dict) -> None:
    for name in ("dim", "epoch", "window", "neg", "min_count"):
        value = options[name]
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise UsageError(f"{name} must be a positive integer, got {value!r}")
    if not options["lr"] > 0:
        raise UsageError(f"lr must be positive, got {options['lr']!r}")
    if not options["sample"] >= 0:
        raise UsageError(f"sample must be 0 or positive, got {options['sample']!r}")
    if options["model"] not in MODELS:
        raise UsageError(f"unknown model {options['model']!r}; choose skipgram or cbow")


def _fit_pretokenizer(words, corpus_path: str, column, seed: int, bar: Progress):
    """Train a pretokeniser that learns from the corpus (sentencepiece) on it."""
    started = time.monotonic()
    bar.update(f"training the {words.spec} pretokenizer on {corpus_path}", force=True)
    words = words.fit(iter_lines(corpus_path, column), seed=seed)
    bar.message(f"trained the {words.spec} pretokenizer ({format_duration(time.monotonic() - started)})")
    return words


def _read(corpus_path: str, min_count: int, column, bar: Progress, words=None) -> EncodedCorpus:
    started = time.monotonic()
    corpus = encode_corpus(
        corpus_path,
        min_count,
        column,
        on_progress=lambda s: bar.update(_read_progress(corpus_path, s)),
        pretokenizer=words,
        cache=True,
    )
    if corpus.cache_hit:
        bar.message(f"reusing the encoded corpus cached in {corpus.cache_path}")
    for warning in corpus.stats.warnings:
        bar.message(f"warning: {warning}")
    bar.message(
        f"read {corpus.stats.lines:,} lines, {corpus.stats.tokens:,} tokens; "
        f"{len(corpus.vocab):,} words occur >= {min_count} times ({format_duration(time.monotonic() - started)})"
    )
    return corpus


def _read_progress(corpus_path: str, s) -> str:
    """Pass 1 counts words, pass 2 encodes them (with a percentage: pass 1 knows the line count)."""
    if s.phase == "encoding" and s.total_lines:
        return f"encoding {corpus_path}: {s.lines / s.total_lines:.0%} ({s.lines:,} of {s.total_lines:,} lines)"
    return f"counting words of {corpus_path}: {s.lines:,} lines, {format_count(s.tokens)} tokens"


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
    line_starts: torch.Tensor  # int64 [lines + 1]: a token's line is found per chunk, not stored per token
    keep_probability: torch.Tensor  # float32 [nwords]
    negative_table: torch.Tensor  # int32 [T]
    subword_offsets: torch.Tensor
    subword_rows: torch.Tensor
    input_matrix: torch.Tensor
    output_matrix: torch.Tensor
    step: Callable
    window: int
    neg: int
    lr: float
    seed: int
    batch_centres: int
    device: torch.device


class _WorkQueue:
    """Chunks to train, in order, and the counters the workers write (each its own slot).

    Chunk ``k`` is stretch ``k % nchunks`` of the corpus in epoch ``k // nchunks``.
    """

    def __init__(self, workers: int, ntokens: int, epochs: int, nchunks: int, completed: list[int]):
        self.bounds = np.linspace(0, ntokens, nchunks + 1).astype(np.int64)
        self.nchunks = nchunks
        self.total = epochs * ntokens
        self.completed = list(completed)  # chunk ids fully trained (list.append is atomic)
        self._pending = iter(sorted(set(range(epochs * nchunks)) - set(completed)))
        self._lock = threading.Lock()
        self.resumed = int(sum(self.size(chunk) for chunk in completed))
        self.done = np.zeros(workers, dtype=np.int64)  # tokens trained in this run
        self.loss = np.zeros(workers)
        self.pairs = np.zeros(workers)
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self._running = workers
        self.finished = threading.Event()  # set when the last worker has returned

    def worker_finished(self) -> None:
        with self._lock:
            self._running -= 1
            if self._running == 0:
                self.finished.set()

    def size(self, chunk: int) -> int:
        index = chunk % self.nchunks
        return int(self.bounds[index + 1] - self.bounds[index])

    def next_chunk(self) -> tuple[int, int, int, int] | None:
        """``(chunk, epoch, low, high)`` of the next chunk to train, or None when all are taken."""
        with self._lock:
            chunk = next(self._pending, None)
        if chunk is None:
            return None
        epoch, index = divmod(chunk, self.nchunks)
        return chunk, epoch, int(self.bounds[index]), int(self.bounds[index + 1])

    def progress(self) -> float:
        return (self.resumed + int(self.done.sum())) / self.total


class _Run:
    """One training run: the shared matrices, the workers, progress and checkpoints."""

    def __init__(self, corpus, offsets, rows, used_buckets, config, workers, device, bar, previous: Model | None, words):
        self.corpus, self.offsets, self.rows, self.used_buckets = corpus, offsets, rows, used_buckets
        self.config, self.workers, self.bar, self.pretokenizer = config, workers, bar, words
        vocab, dim = corpus.vocab, config["dim"]
        nrows = len(vocab) + len(used_buckets)
        ntokens = len(corpus.tokens)
        if previous is None:
            # fastText's initialisation: input rows uniform in +-1/dim, output rows zero.
            generator = torch.Generator().manual_seed(config["seed"])
            input_matrix = torch.empty(nrows, dim).uniform_(-1 / dim, 1 / dim, generator=generator)
            output_matrix = torch.zeros(len(vocab), dim)
            nchunks = max(1, min(CHUNKS_PER_WORKER * workers, ntokens // MIN_CHUNK_TOKENS))
            completed = []
        else:
            input_matrix = torch.from_numpy(np.array(previous.input_matrix))
            output_matrix = torch.from_numpy(np.array(previous.output_matrix))
            nchunks = previous.config["checkpoint"]["nchunks"]
            completed = previous.config["checkpoint"]["completed_chunks"]
        self.plan = _Plan(
            tokens=torch.from_numpy(corpus.tokens),
            line_starts=torch.from_numpy(corpus.line_starts),
            keep_probability=torch.from_numpy(vocab.keep_probabilities(config["sample"])),
            negative_table=torch.from_numpy(vocab.negative_table()),
            subword_offsets=torch.from_numpy(offsets).to(device),
            subword_rows=torch.from_numpy(rows.astype(np.int64)).to(device),
            input_matrix=input_matrix.to(device),
            output_matrix=output_matrix.to(device),
            step=skipgram_step if config["model"] == "skipgram" else cbow_step,
            window=config["window"],
            neg=config["neg"],
            lr=config["lr"],
            seed=config["seed"],
            batch_centres=int(np.clip(ntokens // workers // MIN_STEPS_PER_EPOCH, MIN_BATCH_CENTRES, MAX_BATCH_CENTRES)),
            device=device,
        )
        self.queue = _WorkQueue(workers, ntokens, config["epoch"], nchunks, completed)

    def model(self, config: dict) -> Model:
        return Model(
            config,
            self.corpus.vocab,
            self.plan.input_matrix.cpu().numpy(),
            self.plan.output_matrix.cpu().numpy(),
            self.offsets,
            self.rows,
            self.used_buckets,
            self.pretokenizer,
        )

    def save_checkpoint(self, path: str) -> None:
        # Chunks recorded as complete before the copy starts are fully in it;
        # the others are trained again on resume.
        completed = sorted(self.queue.completed)
        state = {"nchunks": self.queue.nchunks, "completed_chunks": completed, "progress": self.queue.progress()}
        self.model({**self.config, "checkpoint": state}).save(path)

    def train(self, checkpoint: str | None, checkpoint_every: float | None) -> None:
        queue = self.queue
        threads = [threading.Thread(target=_work, args=(r, self.plan, queue), daemon=True) for r in range(self.workers)]
        started = last_checkpoint = time.monotonic()
        for thread in threads:
            thread.start()
        # The main thread waits on the queue's own event, never in Thread.join: a join that Ctrl-C cuts short can
        # leave CPython believing a worker has ended while it still runs, and the process then aborts at exit
        # ("terminate called without an active exception") instead of saving the checkpoint and exiting 130.
        try:
            while not queue.finished.wait(timeout=0.25):
                self._show(time.monotonic() - started)
                if checkpoint_every and time.monotonic() - last_checkpoint > checkpoint_every * 60:
                    self.save_checkpoint(checkpoint)
                    last_checkpoint = time.monotonic()
        except KeyboardInterrupt:
            queue.stop.set()
            queue.finished.wait()
            if not checkpoint:
                raise
            self.save_checkpoint(checkpoint)
            raise TrainingInterrupted(
                f"interrupted at {100 * queue.progress():.1f}%; checkpoint saved to {checkpoint} (continue with --resume)"
            ) from None
        if queue.errors:
            raise queue.errors[0]
        elapsed = time.monotonic() - started
        trained = int(queue.done.sum())
        self.bar.update(
            f"trained {trained:,} tokens in {format_duration(elapsed)} ({format_count(trained / max(elapsed, 1e-9))} "
            f"words/s), loss {queue.loss.sum() / max(queue.pairs.sum(), 1):.3f}",
            force=True,
        )

    def _show(self, elapsed: float) -> None:
        queue = self.queue
        trained = int(queue.done.sum())
        if trained == 0:
            return
        speed = trained / max(elapsed, 1e-9)
        fraction = queue.progress()
        epochs = self.config["epoch"]
        self.bar.update(
            f"epoch {min(epochs, int(fraction * epochs) + 1)}/{epochs} {100 * fraction:5.1f}% | "
            f"{format_count(speed)} words/s ({format_count(speed / self.workers)}/thread) | "
            f"lr {self.plan.lr * max(0.0, 1 - fraction):.4f} | loss {queue.loss.sum() / max(queue.pairs.sum(), 1):.3f} | "
            f"ETA {format_duration((1 - fraction) * queue.total / speed)}"
        )


def _work(rank: int, plan: _Plan, queue: _WorkQueue) -> None:
    # OpenMP's thread count is per thread: a new thread starts with all cores.
    torch.set_num_threads(1)
    try:
        while not queue.stop.is_set():
            chunk = queue.next_chunk()
            if chunk is None:
                return
            if _train_chunk(rank, chunk, plan, queue):
                queue.completed.append(chunk[0])
    except BaseException as error:  # surfaced by the main thread
        queue.errors.append(error)
        queue.stop.set()
    finally:
        queue.worker_finished()


def _train_chunk(rank: int, chunk: tuple[int, int, int, int], plan: _Plan, queue: _WorkQueue) -> bool:
    """Train on tokens ``low:high`` in ``epoch``; False if stopped before the end."""
    chunk_id, epoch, low, high = chunk
    generator = torch.Generator().manual_seed(plan.seed * 1_000_003 + chunk_id)
    tokens = plan.tokens[low:high]
    keep = torch.rand(high - low, generator=generator) < plan.keep_probability[tokens.long()]
    kept = torch.nonzero(keep).squeeze(1)
    kept_tokens = tokens[kept].long()
    # Context never crosses a line; a per-token line table would cost 4 bytes per corpus token in memory.
    kept_lines = torch.searchsorted(plan.line_starts, kept + low, right=True)
    window_offsets = torch.cat([torch.arange(-plan.window, 0), torch.arange(1, plan.window + 1)])
    nkept, counted, device = len(kept), 0, plan.device
    # A minibatch takes every nbatches-th kept position of the chunk, not a run of consecutive ones. Its updates
    # are summed from stale rows, so they must be nearly independent: a run of 1024 consecutive centres can be one
    # long homogeneous document (a table, a hex dump, a list of names), whose words share n-grams and predict one
    # another, and their summed steps on the same rows made training diverge on general prose. Spread over the
    # chunk, a batch mixes documents as sequential SGD's neighbouring updates do.
    nbatches = max(1, math.ceil(nkept / plan.batch_centres))
    for batch in range(nbatches):
        if queue.stop.is_set():
            return False
        lr = plan.lr * max(0.0, 1.0 - queue.progress())
        positions = torch.arange(batch, nkept, nbatches)
        half_width = torch.randint(1, plan.window + 1, (len(positions),), generator=generator)
        context_positions = positions.unsqueeze(1) + window_offsets
        valid = (window_offsets.abs() <= half_width.unsqueeze(1)) & (context_positions >= 0)
        valid &= context_positions < nkept
        context_positions.clamp_(0, nkept - 1)
        valid &= kept_lines[context_positions] == kept_lines[positions].unsqueeze(1)
        pair_centre, pair_slot = torch.nonzero(valid, as_tuple=True)
        position = (high - low) * (batch + 1) // nbatches  # progress: the chunk's share done so far
        queue.done[rank] += position - counted
        counted = position
        if len(pair_centre) == 0:
            continue
        pair_context = kept_tokens[context_positions[pair_centre, pair_slot]]
        per_centre = plan.neg * NEGATIVES_PER_CENTRE
        slots = torch.randint(len(plan.negative_table), (len(positions) * per_centre,), generator=generator)
        negatives = plan.negative_table[slots].long().view(-1, per_centre)
        loss = plan.step(
            plan.input_matrix,
            plan.output_matrix,
            plan.subword_offsets,
            plan.subword_rows,
            kept_tokens[positions].to(device),
            pair_centre.to(device),
            pair_context.to(device),
            negatives.to(device),
            lr,
            plan.neg,
        )
        if not math.isfinite(loss) or loss > DIVERGED_LOSS_PER_PAIR * len(pair_centre):
            raise TrainingError(
                f"training diverged in epoch {epoch + 1} (the loss per pair became {loss / len(pair_centre):.3g}); "
                "try a lower --lr"
            )
        queue.loss[rank] += loss
        queue.pairs[rank] += len(pair_centre)
    queue.done[rank] += (high - low) - counted
    return True
