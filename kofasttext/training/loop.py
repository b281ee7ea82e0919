"""The Hogwild loop: worker threads train on stretches of the corpus at once and update the shared matrices
without locks, as fastText's do.

The loop follows fastText's skip-gram (or CBOW): epochs over the corpus in file order; each occurrence is kept
with the subsampling probability (`Vocabulary.keep_probabilities`); each kept centre word gets a window
half-width drawn uniformly from ``1..window`` and is paired with every kept word that close to it on the same
line; the learning rate falls linearly from ``lr`` to 0 over all ``epoch * tokens`` corpus tokens. The minibatch
arithmetic is in `steps`, the random draws (subsampling, windows, negatives) in `sampling`.

Every line ends with fastText's end-of-line token ``</s>`` (`END_OF_LINE`): a word of the training run only,
with its own input and output row and no n-grams, counted once per line (of those with a kept word), subsampled
and drawn as a negative like any word. It is the last word of every line's window and is left out of the
`Model` (its rows are not word vectors anyone queries; a checkpoint keeps them in its config to resume with).

With ``loss="hs"`` (hierarchical softmax) the output matrix holds the inner nodes of a Huffman tree over the
words of the run, ``</s>`` one of its leaves as in fastText (`huffman`), and no negatives are drawn; the
`Model`'s output matrix is then those nodes: ``V - 1`` rows for the ``V`` words of the run, which with ``</s>``
is one per word of the model (without it, padded with a zero row, as fastText's output matrix keeps a row per
word and uses the first ``V - 1``), and a checkpoint keeps only ``</s>``'s input row beside it.

`TrainingRun` runs this loop or the device loop (`device_loop`: one worker, everything on the matrices'
device, no host round trip per minibatch), with the same chunks, progress and checkpoints.

Work is handed out in chunks of the corpus (`WorkQueue`), in corpus order, epoch after epoch, so one worker
trains in exactly the order of the corpus, and every chunk draws its random numbers from its own seed, whichever
worker trains it: one thread and one seed give bit-identical vectors. Chunks fully trained are recorded, which
is what a checkpoint stores and `--resume` skips.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import TrainingInterrupted
from ..model import Model
from ..progress import format_count, format_duration
from ..subwords import SubwordScheme
from ..vocab import Vocabulary
from . import device_loop
from .huffman import build_huffman_tree
from .sampling import KeptTokens, draw_negatives, minibatch_count, minibatch_positions
from .steps import (
    DIVERGED_LOSS_PER_PAIR,
    OWN_ROW_RATES,
    ROW_SCALE_EXPONENTS,
    Batch,
    Parameters,
    TreePaths,
    cbow_step,
    diverged_error,
    release_scratch,
    skipgram_step,
)

#: How negatives are drawn, per model: ``(centres, times)``, one draw of ``times * neg`` negatives shared by that
#: many consecutive centres of a minibatch and all their pairs (`steps` says why for skip-gram;
#: benchmarks/bench_ablation.py measured the alternatives). A CBOW centre makes one prediction, not ~5, so 8 of
#: them share ``3 * neg``, each negative weighted 1/3: 1.9 negative rows per centre where ``2 * neg`` of its own
#: (the default until issue 17) gathered and scattered 10, as a tiny [1, 10] product each; the CBOW step took
#: ~45% less time (NSMC jamo and syllable, 200K lines, one thread). Quality: benchmarks/RESULTS.md, issue 17.
NEGATIVE_DRAWS = {"skipgram": (8, 6), "cbow": (8, 3)}

#: Centres a minibatch takes in runs of consecutive kept positions, per model (`sampling.minibatch_positions`).
#: A CBOW centre composes every word of its window, about ``window + 1`` words, where a skip-gram centre
#: composes itself; centres in runs share most of their windows, and `steps.distinct_words` then composes each
#: context word once for all the centres that see it. Skip-gram gains nothing from runs and keeps its centres
#: fully spread. (The device loop keeps runs of 1: its grid is laid out per centre.) One epoch of NSMC jamo
#: CBOW, 2 threads: 45.9 s with runs of 1, 22.5 s with 16; then, with shared negatives, 21.7 / 22.4 s with 16,
#: 19.2 s with 32, 19.7 s with 64; 64 since CBOW's minibatches grew (`cbow_batch_centres`).
CENTRE_RUNS = {"skipgram": 1, "cbow": 64}

#: Whether lines end with fastText's ``</s>`` (see the module docstring). On NSMC jamo (seeds 0 / 1,
#: benchmarks/bench_ablation.py, "no end-of-line token" against "default") it raised WS353 from 0.170 / 0.190 to
#: 0.185 / 0.204 and conjugations from 0.688 / 0.685 to 0.705 / 0.694; syn 0.577 / 0.558 became 0.564 / 0.586.
END_OF_LINE = True

#: Centre words per minibatch, per model: larger batches are faster, but sum more updates
#: computed from the same stale parameters. A small corpus gets smaller batches so
#: that an epoch is still at least ~MIN_STEPS_PER_EPOCH steps per worker. (The
#: device loop's default is its own, `device_loop.DEFAULT_BATCH_CENTRES`; a
#: ``batch_size`` given to `train` replaces either, still bounded so.) A CBOW centre
#: makes one prediction where a skip-gram centre makes ~5, so CBOW takes twice the
#: centres, for about the same work per step and half the steps' fixed costs (one
#: epoch of NSMC syllable CBOW, 2 threads, runs of 32: 11.4-12.2 s at 1,024, 10.1 s
#: at 2,048; its quality is in benchmarks/RESULTS.md, issue 17, point 3). CBOW's largest is cut further by the
#: rows its words compose (`cbow_batch_centres`).
MAX_BATCH_CENTRES = {"skipgram": 1024, "cbow": 8192}
MIN_BATCH_CENTRES = 16
MIN_STEPS_PER_EPOCH = 256

#: CBOW: a minibatch holds at most this many centres times the rows of an average word of the corpus (`cbow_batch_centres`).
CBOW_BATCH_ROWS = 2048 * 24


def cbow_batch_centres(subword_offsets: np.ndarray, counts: np.ndarray) -> int:
    """The largest CBOW minibatch for a corpus whose words (``counts`` occurrences each) have the rows of
    ``subword_offsets``: `CBOW_BATCH_ROWS` over their rows per occurrence, at most ``MAX_BATCH_CENTRES["cbow"]``.

    What sinks a large CBOW minibatch is the n-gram rows that many of its words share, each moved by the stale
    steps of all of them: on NSMC jamo (24.3 rows per word occurrence) CBOW trains at 2,048 centres and diverged
    in epoch 1 at 4,096, even with `steps.CBOW_ROW_GAIN`'s cap on shared rows; syllable words (8.9 rows) trained
    at 4,096 and at 8,192 in runs of 64 and 128, faster than at 2,048 (5 epochs: 42 s and 38 s of training against
    49 s, one run each; RESULTS.md, issue 17, point 3). So the bound is on rows, not centres: NSMC jamo gets 2,020
    centres, syllable 5,496.
    """
    counts = np.asarray(counts, dtype=np.float64)
    rows_per_occurrence = float(np.diff(subword_offsets) @ counts / max(counts.sum(), 1.0))
    return int(min(MAX_BATCH_CENTRES["cbow"], CBOW_BATCH_ROWS // max(rows_per_occurrence, 1.0)))

#: Work is handed out in chunks of the corpus: enough per worker to balance the
#: load, none so short that a chunk's set-up dominates.
CHUNKS_PER_WORKER = 16
MIN_CHUNK_TOKENS = 20_000


@dataclass
class _Plan:
    """Everything the workers read; ``parameters`` holds the two matrices they write."""

    tokens: torch.Tensor  # int32 [N]
    line_starts: torch.Tensor  # int64 [lines + 1]: a token's line is found per chunk, not stored per token
    end_of_line: int  # the id of </s> (nwords), or -1 without it
    keep_probability: torch.Tensor  # float32 [nwords (+ 1 for </s>)]
    negative_table: torch.Tensor  # int32 [T] (empty for hierarchical softmax)
    window_offsets: torch.Tensor  # int64 [2 * window]: -window..-1, 1..window
    parameters: Parameters
    step: Callable[[Parameters, Batch], torch.Tensor]
    train_chunk: Callable  # the loop's: _train_chunk (Hogwild) or device_loop.train_chunk
    negative_draw: tuple[int, int] | None  # NEGATIVE_DRAWS of the model; None: hierarchical softmax draws none
    centre_run: int  # CENTRE_RUNS of the model (1 in the device loop)
    window: int
    neg: int
    lr: float
    seed: int
    batch_centres: int
    device: torch.device
    intra_op_threads: int  # torch's threads in each worker: 1 for Hogwild workers, all cores for the device loop
    empty_word: int  # the device loop's CBOW: the id of the word without rows (device_loop.add_empty_word); else -1
    own_row_rate: float  # skip-gram's `steps.OWN_ROW_RATES` for the run's scheme (1 for CBOW and hs; `own_row_rate`)
    row_scale_exponent: float  # skip-gram's `steps.ROW_SCALE_EXPONENTS` for the scheme (0 for CBOW and hs)


def hot_first_layout(rows: np.ndarray, first_bucket_row: int, nrows: int) -> np.ndarray:
    """Where each input row of the model lives in the training matrix: ``layout[r]`` is model row ``r``'s place.

    Words' own rows keep their places (the vocabulary's order, most frequent word first). The n-gram rows are
    renumbered in the order in which the vocabulary, most frequent word first, first uses them, where the model
    keeps them in bucket order (`subwords.compact_buckets`), which the hash scatters. So the rows a minibatch
    gathers and scatters most often, the n-grams of frequent words, sit together in memory and stay in the
    caches. Only the layout changes, not what is trained: a run gives the same vectors up to the order of the
    random initial values (`TrainingRun.model` puts the rows back in the model's order).
    """
    first_use = np.full(nrows, len(rows), dtype=np.int64)  # a row no word uses goes last
    used, first_index = np.unique(rows, return_index=True)
    first_use[used] = first_index
    by_first_use = first_bucket_row + np.argsort(first_use[first_bucket_row:], kind="stable")
    places = np.arange(nrows, dtype=np.int64)
    places[by_first_use] = np.arange(first_bucket_row, nrows)
    return places


class WorkQueue:
    """Chunks to train, in order, and the counters the workers write (each its own slot).

    Chunk ``k`` is stretch ``k % nchunks`` of the corpus in epoch ``k // nchunks``. Of a distributed run
    (``share = (rank, world_size)``), this rank's queue holds the chunks of stretches ``rank, rank + world_size,
    ...`` and reckons the job's progress as ``world_size`` times its own (`distributed`).
    """

    def __init__(self, workers: int, ntokens: int, epochs: int, nchunks: int, completed: list[int], share=(0, 1)):
        self.bounds = np.linspace(0, ntokens, nchunks + 1).astype(np.int64)
        self.nchunks = nchunks
        self.total = epochs * ntokens
        self.completed = list(completed)  # chunk ids fully trained (list.append is atomic)
        rank, self.world_size = share
        mine = (chunk for chunk in range(epochs * nchunks) if chunk % nchunks % self.world_size == rank)
        self._pending = iter(sorted(set(mine) - set(completed)))
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
        return min(1.0, (self.resumed + self.world_size * int(self.done.sum())) / self.total)


def end_of_line_count(corpus) -> int:
    """The count ``</s>`` has in a run on ``corpus``: one per line of the encoded corpus."""
    return len(corpus.line_starts) - 1


def chunk_plan(ntokens: int, workers: int, previous: Model | None, loop: str = "hogwild") -> tuple[int, list[int]]:
    """``(nchunks, completed chunks)``: a checkpoint's, or for a new run `CHUNKS_PER_WORKER` per worker of all
    ranks (Hogwild), or chunks of `device_loop.DEVICE_CHUNK_TOKENS` (device loop)."""
    if previous is not None:
        state = previous.config["checkpoint"]
        return state["nchunks"], state["completed_chunks"]
    if loop == "device":
        return max(workers, -(-ntokens // device_loop.DEVICE_CHUNK_TOKENS)), []
    return max(1, min(CHUNKS_PER_WORKER * workers, ntokens // MIN_CHUNK_TOKENS)), []


class TrainingRun:
    """One training run: the shared matrices, the workers, progress and checkpoints.

    ``previous`` is the checkpoint a resumed run continues (its matrices and its completed chunks); without
    one the matrices start as fastText's do. A distributed run gives this rank's ``share`` (rank, world size)
    and rank 0's `chunk_plan` as ``chunks``, so that every rank cuts the corpus alike. ``loop`` is
    ``"hogwild"`` (``workers`` threads, this module) or ``"device"`` (one worker, `device_loop`, whose torch
    ops use ``intra_op_threads`` on the CPU); ``batch_centres`` replaces the loop's default minibatch size.
    """

    def __init__(
        self, corpus, offsets, rows, used_buckets, config, workers, device, bar, previous: Model | None, pretokenizer,
        share=(0, 1), chunks: tuple[int, list[int]] | None = None, loop: str = "hogwild", batch_centres: int | None = None,
        intra_op_threads: int = 1,
    ):
        self.corpus, self.offsets, self.rows, self.used_buckets = corpus, offsets, rows, used_buckets
        self.config, self.workers, self.bar, self.pretokenizer = config, workers, bar, pretokenizer
        vocab, dim = corpus.vocab, config["dim"]
        ntokens = len(corpus.tokens)
        # The rows of the model, then (with END_OF_LINE) one input and one output row for </s>.
        first_bucket = SubwordScheme.from_config(config).first_bucket_row(len(vocab))
        self.model_rows = (first_bucket + len(used_buckets), len(vocab))
        extra = int(END_OF_LINE)
        # The matrices hold the input rows in `hot_first_layout`'s order; `model` puts them back in the model's.
        self.layout = hot_first_layout(rows, first_bucket, self.model_rows[0])
        rows = self.layout[rows]
        if END_OF_LINE:  # </s> is word len(vocab), composed of its own row alone
            offsets = np.append(offsets, offsets[-1] + 1)
            rows = np.append(rows, self.model_rows[0])
            vocab = Vocabulary([*vocab.words, "</s>"], np.append(vocab.counts, end_of_line_count(corpus)))
        # Hierarchical softmax: one output row per inner node of the tree over every word of the run, </s> included.
        self.tree = build_huffman_tree(vocab.counts) if config.get("loss", "ns") == "hs" else None
        output_rows = self.model_rows[1] + extra if self.tree is None else self.tree.inner_nodes
        if previous is None:
            # fastText's initialisation: input rows uniform in +-1/dim, output rows zero.
            generator = torch.Generator().manual_seed(config["seed"])
            input_matrix = torch.empty(self.model_rows[0] + extra, dim).uniform_(-1 / dim, 1 / dim, generator=generator)
            output_matrix = torch.zeros(output_rows, dim)
        else:
            state = previous.config["checkpoint"]
            input_matrix = torch.from_numpy(np.asarray(previous.input_matrix)[np.argsort(self.layout)])  # (a copy)
            # (an hs model's output matrix is padded to a row per word: the nodes are its first rows)
            output_matrix = torch.from_numpy(np.array(previous.output_matrix[: min(output_rows, self.model_rows[1])]))
            if END_OF_LINE:  # a checkpoint written before </s> existed has no rows for it: they start at zero
                saved = state.get("end_of_line_rows") or [[0.0] * dim] * 2  # [input, output]; hs: [input]
                input_matrix = torch.cat([input_matrix, torch.tensor(saved[:1])])
                if self.tree is None:
                    output_matrix = torch.cat([output_matrix, torch.tensor(saved[1:2])])
        nchunks, completed = chunks or chunk_plan(ntokens, workers * share[1], previous, loop)
        on_device = loop == "device"  # the device loop keeps the corpus and its tables where the matrices are
        subword_offsets = torch.from_numpy(offsets)
        empty_word = -1
        if on_device and config["model"] == "cbow":
            empty_word = len(offsets) - 1
            subword_offsets = device_loop.add_empty_word(subword_offsets)
        parameters = Parameters(
            input_matrix.to(device),
            output_matrix.to(device),
            subword_offsets.to(device),
            torch.from_numpy(rows.astype(np.int64)).to(device),
            None if self.tree is None else TreePaths.from_tree(self.tree, device),
        )
        tables = device if on_device else torch.device("cpu")
        if batch_centres:
            largest = batch_centres
        elif on_device:
            largest = device_loop.DEFAULT_BATCH_CENTRES[device.type]
        elif config["model"] == "cbow":
            largest = cbow_batch_centres(self.offsets, corpus.vocab.counts)  # the corpus's words, not </s>
        else:
            largest = MAX_BATCH_CENTRES[config["model"]]
        self.plan = _Plan(
            tokens=torch.from_numpy(corpus.tokens).to(tables),
            line_starts=torch.from_numpy(corpus.line_starts).to(tables),
            end_of_line=len(corpus.vocab) if END_OF_LINE else -1,
            keep_probability=torch.from_numpy(vocab.keep_probabilities(config["sample"])).to(tables),
            negative_table=torch.from_numpy(
                vocab.negative_table() if self.tree is None else np.zeros(0, dtype=np.int32)
            ).to(tables),
            window_offsets=torch.cat([torch.arange(-config["window"], 0), torch.arange(1, config["window"] + 1)]).to(tables),
            parameters=parameters,
            step=skipgram_step if config["model"] == "skipgram" else cbow_step,
            train_chunk=device_loop.train_chunk if on_device else _train_chunk,
            negative_draw=NEGATIVE_DRAWS[config["model"]] if self.tree is None else None,
            centre_run=1 if on_device else CENTRE_RUNS[config["model"]],
            window=config["window"],
            neg=config["neg"],
            lr=config["lr"],
            seed=config["seed"],
            batch_centres=int(
                np.clip(ntokens // (workers * share[1]) // MIN_STEPS_PER_EPOCH, min(MIN_BATCH_CENTRES, largest), largest)
            ),
            device=device,
            intra_op_threads=intra_op_threads if on_device else 1,
            empty_word=empty_word,
            own_row_rate=config.get("own_row_rate", 1.0),  # recorded by the trainer (`own_row_rate`)
            row_scale_exponent=config.get("row_scale_exponent", 0.0),  # recorded by the trainer (`row_scale_exponent`)
        )
        self.queue = WorkQueue(workers, ntokens, config["epoch"], nchunks, completed, share)
        self.loop = loop
        self.merging = None  # a distributed.Merging, set by the trainer on a distributed run

    def model(self, config: dict) -> Model:
        """The matrices as they are now (without the rows of </s>), as a `Model` with ``config``."""
        parameters = self.plan.parameters
        layout = torch.from_numpy(self.layout).to(parameters.input_matrix.device)
        input_matrix = parameters.input_matrix.index_select(0, layout).cpu().numpy()  # a copy, in the model's order
        output_matrix = parameters.output_matrix[: self.model_rows[1]].cpu().numpy()
        if len(output_matrix) < self.model_rows[1]:  # hs without </s>: V - 1 nodes, padded to a row per word
            padding = np.zeros((self.model_rows[1] - len(output_matrix), output_matrix.shape[1]), dtype=output_matrix.dtype)
            output_matrix = np.concatenate([output_matrix, padding])
        return Model(
            config,
            self.corpus.vocab,
            input_matrix,
            output_matrix,
            self.offsets,
            self.rows,
            self.used_buckets,
            self.pretokenizer,
        )

    def save_checkpoint(self, path: str, completed: list[int] | None = None) -> None:
        # Chunks recorded as complete before the copy starts are fully in it;
        # the others are trained again on resume. (A distributed run passes the chunks done on every rank.)
        completed = sorted(self.queue.completed if completed is None else completed)
        state = {"nchunks": self.queue.nchunks, "completed_chunks": completed, "progress": self.queue.progress()}
        if END_OF_LINE:  # the rows of </s>, [input, output], which the model leaves out (hs: [input]; no output row)
            parameters = self.plan.parameters
            state["end_of_line_rows"] = [parameters.input_matrix[-1].tolist()]
            if self.tree is None:
                state["end_of_line_rows"].append(parameters.output_matrix[-1].tolist())
        self.model({**self.config, "checkpoint": state}).save(path)

    def train(self, checkpoint: str | None, checkpoint_every: float | None) -> None:
        """Run the workers to the end, showing progress and saving checkpoints; Ctrl-C saves one and raises
        `TrainingInterrupted` (a plain KeyboardInterrupt without a checkpoint file)."""
        with device_loop.reproducible(self.plan.device if self.loop == "device" else torch.device("cpu")):
            self._run_workers(checkpoint, checkpoint_every)

    def _run_workers(self, checkpoint: str | None, checkpoint_every: float | None) -> None:
        queue = self.queue
        threads = [threading.Thread(target=_work, args=(r, self.plan, queue), daemon=True) for r in range(self.workers)]
        started = last_checkpoint = time.monotonic()
        for thread in threads:
            thread.start()
        # The main thread waits on the queue's own event, never in Thread.join: a join that Ctrl-C cuts short can
        # leave CPython believing a worker has ended while it still runs, and the process then aborts at exit
        # ("terminate called without an active exception") instead of saving the checkpoint and exiting 130.
        try:
            if self.merging is not None:
                self.merging.wait(started, checkpoint, checkpoint_every)
            while not queue.finished.wait(timeout=0.25):
                self._show(time.monotonic() - started)
                if checkpoint_every and time.monotonic() - last_checkpoint > checkpoint_every * 60:
                    self.save_checkpoint(checkpoint)
                    last_checkpoint = time.monotonic()
        except KeyboardInterrupt:
            queue.stop.set()
            queue.finished.wait()
            if self.merging is not None:  # saving needs every rank: the last periodic checkpoint stays
                raise TrainingInterrupted(f"interrupted at {100 * queue.progress():.1f}%; no new checkpoint") from None
            if not checkpoint:
                raise
            self.save_checkpoint(checkpoint)
            raise TrainingInterrupted(
                f"interrupted at {100 * queue.progress():.1f}%; checkpoint saved to {checkpoint} (continue with --resume)"
            ) from None
        if queue.errors:
            raise queue.errors[0]
        elapsed = time.monotonic() - started
        trained = queue.world_size * int(queue.done.sum())  # a distributed job's, from this rank's share
        self.bar.update(
            f"trained {trained:,} tokens in {format_duration(elapsed)} ({format_count(trained / max(elapsed, 1e-9))} "
            f"words/s), loss {queue.loss.sum() / max(queue.pairs.sum(), 1):.3f}",
            force=True,
        )

    def _show(self, elapsed: float) -> None:
        queue = self.queue
        trained = queue.world_size * int(queue.done.sum())
        if trained == 0:
            return
        speed = trained / max(elapsed, 1e-9)
        fraction = queue.progress()
        epochs = self.config["epoch"]
        self.bar.update(
            f"epoch {min(epochs, int(fraction * epochs) + 1)}/{epochs} {100 * fraction:5.1f}% | "
            f"{format_count(speed)} words/s ({format_count(speed / self.workers / queue.world_size)}/thread) | "
            f"lr {self.plan.lr * max(0.0, 1 - fraction):.4f} | loss {queue.loss.sum() / max(queue.pairs.sum(), 1):.3f} | "
            f"ETA {format_duration((1 - fraction) * queue.total / speed)}"
        )


def _work(rank: int, plan: _Plan, queue: WorkQueue) -> None:
    # OpenMP's thread count is per thread: a new thread starts with all cores.
    torch.set_num_threads(plan.intra_op_threads)
    try:
        while not queue.stop.is_set():
            chunk = queue.next_chunk()
            if chunk is None:
                return
            if plan.train_chunk(rank, chunk, plan, queue):
                queue.completed.append(chunk[0])
    except BaseException as error:  # surfaced by the main thread
        queue.errors.append(error)
        queue.stop.set()
    finally:
        release_scratch()
        queue.worker_finished()


def _train_chunk(rank: int, chunk: tuple[int, int, int, int], plan: _Plan, queue: WorkQueue) -> bool:
    """Train on tokens ``low:high`` in ``epoch``; False if stopped before the end."""
    chunk_id, epoch, low, high = chunk
    generator = torch.Generator().manual_seed(plan.seed * 1_000_003 + chunk_id)
    kept = KeptTokens(plan, low, high, generator)
    counted = 0
    # A minibatch takes every nbatches-th kept position (or short run, CENTRE_RUNS) of the chunk, not one long run
    # of consecutive ones. Its updates are summed from stale rows, so they must be nearly independent: a run of
    # 1024 consecutive centres can be one long homogeneous document (a table, a hex dump, a list of names), whose
    # words share n-grams and predict one another, and their summed steps on the same rows made training diverge
    # on general prose. Spread over the chunk, a batch mixes documents as sequential SGD's neighbouring updates do.
    nbatches = minibatch_count(len(kept), plan.batch_centres, plan.centre_run)
    for index in range(nbatches):
        if queue.stop.is_set():
            return False
        lr = plan.lr * max(0.0, 1.0 - queue.progress())
        positions = minibatch_positions(len(kept), index, nbatches, plan.centre_run)
        batch = _draw_batch(plan, kept, positions, lr, generator)
        position = (high - low) * (index + 1) // nbatches  # progress: the chunk's share done so far
        queue.done[rank] += position - counted
        counted = position
        if batch is None:
            continue
        pairs = len(batch.pair_centre)
        loss = float(plan.step(plan.parameters, batch))  # the one host sync of a step: the loss as a Python float
        if not math.isfinite(loss) or loss > DIVERGED_LOSS_PER_PAIR * pairs:
            raise diverged_error(epoch, loss / pairs)
        queue.loss[rank] += loss
        queue.pairs[rank] += pairs
    queue.done[rank] += (high - low) - counted
    return True


def own_row_rate(config: dict, scheme: SubwordScheme) -> float:
    """`steps.OWN_ROW_RATES` for a run: its scheme's for skip-gram with negative sampling and words with own rows,
    else 1 (CBOW's rows learn by `steps.CBOW_ROW_GAIN`; hierarchical softmax was not measured with it)."""
    return _skipgram_rule(OWN_ROW_RATES, config, scheme, 1.0)


def row_scale_exponent(config: dict, scheme: SubwordScheme) -> float:
    """`steps.ROW_SCALE_EXPONENTS` for a run: its scheme's for skip-gram with negative sampling and words with
    own rows, else 0 (the plain sum; CBOW, hierarchical softmax and Bloom tables were not measured with it)."""
    return _skipgram_rule(ROW_SCALE_EXPONENTS, config, scheme, 0.0)


def _skipgram_rule(rules: dict[str, float], config: dict, scheme: SubwordScheme, default: float) -> float:
    if config["model"] != "skipgram" or config.get("loss", "ns") != "ns" or scheme.bloom:
        return default
    return rules.get(scheme.name, default)


def _draw_batch(plan: _Plan, kept: KeptTokens, positions: torch.Tensor, lr: float, generator) -> Batch | None:
    """The minibatch of centres at ``positions`` of the chunk: windows, (centre, context) pairs and negatives
    (None when no centre has a context word)."""
    context_positions, valid = kept.windows(plan, positions, generator)
    pair_centre, pair_slot = torch.nonzero(valid, as_tuple=True)  # [P], [P]
    if len(pair_centre) == 0:
        return None
    pair_context = kept.tokens[context_positions[pair_centre, pair_slot]]
    negatives = draw_negatives(plan, len(positions), generator)  # None for hierarchical softmax
    device = plan.device
    return Batch(
        kept.tokens[positions].to(device),
        pair_centre.to(device),
        pair_context.to(device),
        None if negatives is None else negatives.to(device),
        lr,
        plan.neg,
        own_row_rate=plan.own_row_rate,
        row_scale_exponent=plan.row_scale_exponent,
    )
