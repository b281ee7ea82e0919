"""Training across processes and machines: the ranks that ``torchrun`` starts train one model together.

``torchrun --nproc-per-node N -m kofasttext train CORPUS -o MODEL`` starts N processes (ranks); the environment
torchrun gives them (``WORLD_SIZE``, ``RANK``, ``MASTER_ADDR``, ``MASTER_PORT``) is what turns this on
(`Group.from_environment`). gloo carries the collectives on CPU, NCCL the matrices on CUDA.

* **Prepared once.** Rank 0 reads the corpus, builds the vocabulary and the subword table (and, with
  ``--resume``, reads the checkpoint) and sends them to every rank (`Group.share`): all ranks train on the same
  word ids, and only rank 0 reads the corpus file. An error there (a missing corpus, a bad option) reaches
  every rank, which each end with the same one-line message.
* **Own copies.** Every rank starts from rank 0's matrices and trains its share of the corpus chunks (stretch
  ``i`` of the corpus goes to rank ``i % world_size``, in every epoch) with its own Hogwild threads, on its own
  copy of the two matrices. The learning rate falls with the progress of the whole job, estimated as
  ``world_size`` times this rank's (the shares differ by at most one chunk).
* **Merged on a schedule** (`SyncSchedule`, pWord2Vec's idea: frequent rows often, all rows rarely): every
  ``hot_seconds`` the rows of the ``hot_words`` most frequent words (their output rows and every input row their
  vectors sum: own rows and n-gram rows) are merged; every ``full_seconds``, at the end of every epoch and at
  the end of training, both whole matrices are. A merge gives every row the SUM of the ranks' changes since its
  last merge, divided by the row's divisor (``row = reference + sum over ranks of (row_r - reference) / d``;
  all_reduce). ``d`` comes from how many updates the row took on one rank since then, expected from the
  corpus counts (`row_loads`) and the tokens the rank trained (`saturation_divisors`): 1, the plain sum, for a
  row few steps touch, whose ranks' changes are each their own data's, as one process would have added them;
  up to the world size, the mean, for a row so many steps touch that each rank's change already went most of
  the way, from the same stale row (a frequent word, ``</s>``, a jamo ending thousands of words share), whose
  sum would overshoot as an uncapped minibatch's does (`steps`, ``MAX_SUMMED_UPDATES``). Measured on NSMC jamo
  (benchmarks/RESULTS.md): the mean for every row cost conjugation hit@10 0.687 -> 0.455 with 2 ranks; the sum
  for every row made 4 ranks diverge in epoch 1; a fixed rule by frequency (the 4,096 most frequent words' own
  and output rows averaged, their n-gram rows divided by sqrt(world size), every other row summed) gave 0.592
  (2 ranks) and 0.523 (4); this rule, at ``saturating_updates`` 300, 0.649 and 0.638 against 0.686 for one
  process, with the probe -0.02 / -0.27 points (3 seeds; at 1,000, 4 ranks diverged). The merge is written
  back as a change (``row += merged - row_then``), so the updates this rank's threads made while the collective
  ran are kept. A rank whose share is done keeps taking part in the merges until every rank is done.
* **Agreed steps.** Collectives must come in the same order on every rank, so the ranks meet every
  ``hot_seconds`` in one small all_reduce (`Group.meet`) that says who is done, who failed, and whether rank
  0's clock asks for a full merge or a checkpoint; all then do the same.
* **Rank 0 writes.** Checkpoints (the merged matrices and the chunks that every rank has finished) and the
  model; the model's config records ``distributed``: the world size, the backend and the schedule. ``--resume``
  needs the same world size.
* **Failures end the job, never hang it.** A rank whose threads fail (the loss diverged) tells the others at
  the next meeting, and every rank stops with a message. A rank that dies or stops answering makes the others'
  next collective fail (at once for a closed connection, after `SYNC_TIMEOUT` for a silent one); each then
  ends with one line naming the lost contact. SIGTERM (what torchrun sends the survivors when a rank dies)
  ends a rank with a message too. Ctrl-C stops the job without a new checkpoint: the last periodic one is kept.
"""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import asdict, dataclass
from datetime import timedelta

import numpy as np
import torch

from ..errors import KofasttextError, TrainingError, UsageError
from .loop import end_of_line_count

#: How long the other ranks wait for rank 0 to read and encode the corpus (a big corpus takes minutes).
PREPARE_TIMEOUT = timedelta(hours=2)
#: How long a rank waits for the others at a meeting or a merge before it calls them lost.
SYNC_TIMEOUT = timedelta(seconds=int(os.environ.get("KOFASTTEXT_SYNC_TIMEOUT", "60")))
#: Whole matrices are merged in slices of this many bytes, so that the scratch copies stay small.
SLICE_BYTES = 64 << 20


@dataclass(frozen=True)
class SyncSchedule:
    """When the ranks' copies of the matrices are merged (recorded in the model's config).

    Measured on NSMC jamo, 2 ranks x 1 thread on this project's 2-core machine (benchmarks/bench_distributed.py,
    RESULTS.md): see README "Training on a GPU or on several machines".
    """

    # the most frequent words (at most a quarter of the vocabulary): their output rows and all the input rows they sum
    hot_words: int = 4096
    hot_seconds: float = 0.5  # how often the hot rows are merged (and the ranks meet)
    full_seconds: float = 10.0  # how often both whole matrices are merged (also at every epoch end)
    # how many updates on one rank spend a row's step (`saturation_divisors`): ~63% of it after this many
    saturating_updates: float = 300.0


class Group:
    """This process's place among the ranks, and the collectives the training run needs."""

    def __init__(self, rank: int, world_size: int, device: torch.device):
        self.rank, self.world_size, self.device = rank, world_size, device
        self.backend = "cpu:gloo,cuda:nccl" if device.type == "cuda" else "gloo"

    @classmethod
    def from_environment(cls, device: torch.device) -> Group | None:
        """The group torchrun's environment describes, joined; None in a plain single process."""
        if not requested():
            return None
        world_size = int(os.environ["WORLD_SIZE"])
        import torch.distributed as dist

        rank = int(os.environ["RANK"])
        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", rank)) % torch.cuda.device_count())
            torch.cuda.set_device(device)
        group = cls(rank, world_size, device)
        try:
            dist.init_process_group(group.backend, rank=rank, world_size=world_size, timeout=PREPARE_TIMEOUT)
            group._sync = dist.new_group(backend=group.backend, timeout=SYNC_TIMEOUT)
        except (RuntimeError, ValueError) as error:
            raise UsageError(f"rank {rank} of {world_size} could not join the other ranks: {_first_line(error)}") from None
        signal.signal(signal.SIGTERM, group._terminated)
        return group

    @property
    def name(self) -> str:
        return f"rank {self.rank} of {self.world_size}"

    def close(self) -> None:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()

    def _terminated(self, signum, frame):
        raise TrainingError(f"{self.name}: stopped by SIGTERM (torchrun stops the others when one rank fails); no model written")

    def _lost(self, error: BaseException) -> TrainingError:
        return TrainingError(f"{self.name}: lost contact with the other ranks ({_first_line(error)}); the job is stopped")

    # -- sharing what rank 0 prepared -------------------------------------------------------------------------

    def share(self, prepare) -> tuple[dict, dict[str, np.ndarray]]:
        """Rank 0 calls ``prepare()`` for ``(meta, arrays)`` (JSON-able, and named numpy arrays) and every rank
        returns a copy. An error ``prepare`` raises (a `KofasttextError`) is raised on every rank."""
        import torch.distributed as dist

        header, arrays = None, {}
        if self.rank == 0:
            try:
                meta, arrays = prepare()
                header = {"meta": meta, "arrays": [[name, a.dtype.str, list(a.shape)] for name, a in arrays.items()]}
            except KofasttextError as error:
                header = {"error": [type(error).__name__, str(error)]}
                self._send_bytes(json.dumps(header).encode())
                raise
        try:
            header = json.loads(self._send_bytes(json.dumps(header).encode() if header else None))
            if "error" in header:
                kind, message = header["error"]
                raise _error_class(kind)(message)
            received = {}
            for name, dtype, shape in header["arrays"]:
                array = arrays[name] if self.rank == 0 else np.empty(shape, dtype=np.dtype(dtype))
                flat = torch.from_numpy(np.ascontiguousarray(array).reshape(-1).view(np.uint8))
                dist.broadcast(flat, src=0)
                received[name] = flat.numpy().view(np.dtype(dtype)).reshape(shape)
        except RuntimeError as error:
            raise self._lost(error) from None
        return header["meta"], received

    def _send_bytes(self, data: bytes | None) -> str:
        import torch.distributed as dist

        size = torch.tensor([len(data) if data is not None else 0], dtype=torch.int64)
        dist.broadcast(size, src=0)
        if data is not None:
            buffer = torch.frombuffer(bytearray(data), dtype=torch.uint8)
        else:
            buffer = torch.empty(int(size), dtype=torch.uint8)
        dist.broadcast(buffer, src=0)
        return bytes(buffer.numpy()).decode()

    def broadcast_(self, tensor: torch.Tensor) -> None:
        """Overwrite ``tensor`` with rank 0's."""
        import torch.distributed as dist

        try:
            dist.broadcast(tensor, src=0, group=self._sync)
        except RuntimeError as error:
            raise self._lost(error) from None

    # -- meetings and merges ----------------------------------------------------------------------------------

    def meet(self, done: bool, failed: bool, full: bool, checkpoint: bool) -> dict[str, int]:
        """One small all_reduce every rank makes at the same point: how many ranks are done and failed, and rank
        0's ``full`` and ``checkpoint`` (the other ranks' are ignored)."""
        import torch.distributed as dist

        leader = self.rank == 0
        votes = torch.tensor([int(done), int(failed), int(full and leader), int(checkpoint and leader)], dtype=torch.int64)
        try:
            dist.all_reduce(votes, group=self._sync)
        except RuntimeError as error:
            raise self._lost(error) from None
        return dict(zip(("done", "failed", "full", "checkpoint"), votes.tolist()))

    def chunks_done_everywhere(self, completed: list[int], nchunks_total: int) -> list[int]:
        """The union over the ranks of their fully trained chunks."""
        import torch.distributed as dist

        mask = torch.zeros(nchunks_total, dtype=torch.int64)
        mask[torch.tensor(completed, dtype=torch.int64)] = 1
        try:
            dist.all_reduce(mask, group=self._sync)
        except RuntimeError as error:
            raise self._lost(error) from None
        return torch.nonzero(mask).squeeze(1).tolist()

    def merge_rows(self, matrix: torch.Tensor, reference: torch.Tensor, rows: torch.Tensor, divisors) -> None:
        """Give ``matrix[rows]`` every rank's change since ``reference[rows]``, summed and divided by ``divisors``
        (a number, or float [len(rows), 1]; see the module docstring)."""
        current = matrix.index_select(0, rows)
        merged = reference.index_select(0, rows)
        merged += self._sum(current - merged) / divisors
        matrix.index_add_(0, rows, merged - current)
        reference.index_copy_(0, rows, merged)

    def merge_all(self, matrix: torch.Tensor, reference: torch.Tensor, divisors: torch.Tensor) -> None:
        """`merge_rows` of every row, a slice of rows at a time; row ``i``'s summed change is divided by
        ``divisors[i]`` (float [rows, 1])."""
        step = max(1, SLICE_BYTES // (matrix.shape[1] * matrix.element_size()))
        for start in range(0, matrix.shape[0], step):
            piece, base = matrix[start : start + step], reference[start : start + step]
            current = piece.clone()
            base += self._sum(current - base) / divisors[start : start + step]
            piece += base - current

    def _sum(self, tensor: torch.Tensor) -> torch.Tensor:
        import torch.distributed as dist

        try:
            dist.all_reduce(tensor, group=self._sync)
        except RuntimeError as error:
            raise self._lost(error) from None
        return tensor


def requested() -> bool:
    """Whether torchrun started this process as one rank of several (``WORLD_SIZE`` above 1)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _error_class(name: str) -> type[KofasttextError]:
    from .. import errors

    found = getattr(errors, name, None)
    return found if isinstance(found, type) and issubclass(found, KofasttextError) else KofasttextError


def hot_input_rows(subword_offsets: np.ndarray, subword_rows: np.ndarray, hot_words: int, extra_rows: list[int]) -> np.ndarray:
    """The input rows the ``hot_words`` most frequent words sum (vocabulary ids are by frequency), and ``extra``."""
    end = subword_offsets[min(hot_words, len(subword_offsets) - 1)]
    return np.unique(np.concatenate([subword_rows[:end], np.asarray(extra_rows, dtype=subword_rows.dtype)]))


def row_loads(run) -> tuple[np.ndarray, np.ndarray]:
    """float64 ``(input, output)``, one value per row of each matrix: how many updates a row takes, expected, per
    corpus token a rank trains (`saturation_divisors`).

    A word ``w`` is kept at a rate ``a_w = keep_w * count_w / tokens``. Skip-gram moves every input row of a kept
    centre once and the output row of each of its ``window + 1`` context words (on average: a half-width uniform
    in ``1..window`` on both sides); CBOW moves the input rows of each context word once per centre
    (``window + 1`` times per kept occurrence) and the centre's output row once. Negatives: a draw of ``K``
    negatives per ``G`` centres (`loop.NEGATIVE_DRAWS`) moves ``K / G`` output rows per kept centre, word ``w``
    drawn with its share of the negative table; hierarchical softmax moves every node of the target's path.
    """
    plan, config = run.plan, run.config
    keep = plan.keep_probability.cpu().numpy().astype(np.float64)
    counts = np.append(run.corpus.vocab.counts, end_of_line_count(run.corpus))[: len(keep)].astype(np.float64)
    kept = keep * counts / max(len(run.corpus.tokens), 1)  # [words (+ </s>)]
    uses = config["window"] + 1
    input_uses, target_uses = (1, uses) if config["model"] == "skipgram" else (uses, 1)
    offsets, rows = plan.parameters.subword_offsets.cpu().numpy(), plan.parameters.subword_rows.cpu().numpy()
    words = len(kept)  # (the device loop's CBOW adds an empty word after them, which has no rows)
    per_row = np.repeat(kept * input_uses, np.diff(offsets[: words + 1]))
    input_load = np.bincount(rows[: offsets[words]], weights=per_row, minlength=plan.parameters.input_matrix.shape[0])
    output_rows = plan.parameters.output_matrix.shape[0]
    if run.tree is not None:
        on_path = np.arange(run.tree.paths.shape[1]) < run.tree.lengths[:, None]  # [words, depth]
        path_load = np.broadcast_to((kept * target_uses)[:, None], on_path.shape)[on_path]
        return input_load, np.bincount(run.tree.paths[on_path], weights=path_load, minlength=output_rows)
    centres_per_draw, times_neg = plan.negative_draw
    table = np.bincount(plan.negative_table.cpu().numpy(), minlength=output_rows) / len(plan.negative_table)
    negatives_per_centre = config["neg"] * times_neg / centres_per_draw
    return input_load, kept[:output_rows] * target_uses + kept.sum() * negatives_per_centre * table


def saturation_divisors(load: torch.Tensor, tokens: torch.Tensor | float, world_size: int, saturating_updates: float):
    """What each row's summed change is divided by at a merge: ``k (1 - q) / (1 - q^k)``, ``k`` the world size and
    ``q = exp(-u)``, ``u`` the row's expected updates on one rank since its last merge (``load * tokens``) over
    ``saturating_updates``.

    Why: a row that one process moves ``k m`` times by steps that each spend a share ``1 - e^(-1/M)`` of what is left
    to learn (``M = saturating_updates``) moves ``1 - q^k`` of the way; each of ``k`` ranks moves it ``m`` times from
    the same stale row, ``1 - q`` of the way, and their sum is ``k (1 - q)``. The divisor makes the merge move it as
    one process would: 1, the plain sum, for a row few steps touch (a rare word; the change of each rank is its
    own data's); ``k``, the mean, for a row many touch (a frequent word, ``</s>``, a jamo ending that thousands
    of words share), whose ranks' changes all went the same way from the same start.
    """
    u = (load * tokens / saturating_updates).clamp(min=1e-9)
    return world_size * torch.expm1(-u) / torch.expm1(-world_size * u)


def schedule_config(group: Group, schedule: SyncSchedule) -> dict:
    """What a distributed model's config records of how it was trained."""
    return {"world_size": group.world_size, "backend": group.backend, "sync": {**asdict(schedule), "epoch_end": True}}


class Merging:
    """The main thread's part in a distributed run: meetings, merges, checkpoints (see the module docstring).

    ``run`` is the `loop.TrainingRun`; `wait` replaces its single-process wait for the workers.
    """

    def __init__(self, group: Group, schedule: SyncSchedule, run):
        self.group, self.schedule, self.run = group, schedule, run
        parameters = run.plan.parameters
        nwords = run.model_rows[1]
        extra_input, extra_output = [], []
        if run.plan.end_of_line >= 0:  # </s>: the last row of each matrix, the most frequent "word" of all
            extra_input, extra_output = [parameters.input_matrix.shape[0] - 1], [parameters.output_matrix.shape[0] - 1]
        # At most a quarter of the vocabulary: a tiny corpus would otherwise merge every row at every meeting.
        hot = min(schedule.hot_words, nwords // 4)
        device = parameters.input_matrix.device
        training_rows = parameters.subword_rows.cpu().numpy()  # (in the training matrix's layout, not the model's)
        self.hot_input = torch.from_numpy(hot_input_rows(run.offsets, training_rows, hot, extra_input)).long().to(device)
        self.hot_output = torch.tensor([*range(hot), *extra_output], dtype=torch.long, device=device)
        # Each row's expected updates per token, and the tokens this rank had trained at the last merge of any
        # kind (which the hot rows take part in) and at the last full merge.
        self.loads = [torch.from_numpy(load).to(device=device, dtype=torch.float32).unsqueeze(1) for load in row_loads(run)]
        self.hot_loads = (self.loads[0][self.hot_input], self.loads[1][self.hot_output])
        self.tokens_then = {"any": 0, "full": 0}
        self.syncs = {"hot": 0, "full": 0}
        self.sync_seconds = 0.0

    def share_start(self) -> None:
        """Every rank starts from rank 0's matrices (its initialisation, or the checkpoint it read)."""
        parameters = self.run.plan.parameters
        self.group.broadcast_(parameters.input_matrix)
        self.group.broadcast_(parameters.output_matrix)
        # The matrices as of the last merge, the same on every rank: a rank's change is its matrix minus these.
        self.reference = (parameters.input_matrix.clone(), parameters.output_matrix.clone())

    def merge(self, full: bool) -> None:
        started = time.monotonic()
        parameters = self.run.plan.parameters
        tokens = sum(self.run.queue.done)
        since_any, since_full = tokens - self.tokens_then["any"], tokens - self.tokens_then["full"]
        world, saturating = self.group.world_size, self.schedule.saturating_updates
        matrices, hot_rows = (parameters.input_matrix, parameters.output_matrix), (self.hot_input, self.hot_output)
        for matrix, reference, load, hot, hot_load in zip(matrices, self.reference, self.loads, hot_rows, self.hot_loads):
            if full:
                trained = torch.full_like(load, float(since_full))
                trained[hot] = float(since_any)  # the hot rows were merged at the last meeting
                self.group.merge_all(matrix, reference, saturation_divisors(load, trained, world, saturating))
            else:
                self.group.merge_rows(matrix, reference, hot, saturation_divisors(hot_load, float(since_any), world, saturating))
        if full:
            self.tokens_then["full"] = tokens
        self.tokens_then["any"] = tokens
        self.syncs["full" if full else "hot"] += 1
        self.sync_seconds += time.monotonic() - started

    def wait(self, started: float, checkpoint: str | None, checkpoint_every: float | None) -> None:
        """Meet the other ranks every ``hot_seconds`` until all are done, merging as agreed; then merge
        everything once more. Raises the run's error, or a `TrainingError` when another rank failed."""
        run, queue, schedule = self.run, self.run.queue, self.schedule
        epochs = run.config["epoch"]
        last_full = last_checkpoint = time.monotonic()
        epoch_seen = int(queue.progress() * epochs)
        try:
            while True:
                queue.finished.wait(timeout=schedule.hot_seconds)
                now = time.monotonic()
                epoch_now = min(epochs, int(queue.progress() * epochs))
                full = now - last_full > schedule.full_seconds or epoch_now > epoch_seen
                due = bool(checkpoint and checkpoint_every and now - last_checkpoint > checkpoint_every * 60)
                votes = self.group.meet(queue.finished.is_set(), bool(queue.errors), full, due)
                if votes["failed"]:
                    queue.stop.set()
                    queue.finished.wait()
                    if queue.errors:
                        raise queue.errors[0]
                    raise TrainingError(f"{self.group.name}: another rank failed (its own message says why); the job is stopped")
                if votes["done"] == self.group.world_size:
                    break
                if votes["checkpoint"]:
                    # The chunks finished before the merge are wholly in the matrices rank 0 then saves.
                    completed = self.group.chunks_done_everywhere(list(queue.completed), epochs * queue.nchunks)
                    self.merge(full=True)
                    if self.group.rank == 0:
                        run.save_checkpoint(checkpoint, completed)
                    last_full = last_checkpoint = time.monotonic()
                    epoch_seen = epoch_now
                elif votes["full"]:
                    self.merge(full=True)
                    last_full, epoch_seen = time.monotonic(), epoch_now
                else:
                    self.merge(full=False)
                run._show(time.monotonic() - started)
        except BaseException:
            queue.stop.set()
            queue.finished.wait()
            raise
        self.merge(full=True)
        queue.completed[:] = self.group.chunks_done_everywhere(queue.completed, epochs * queue.nchunks)

    def summary(self) -> dict:
        return {**self.syncs, "seconds": round(self.sync_seconds, 2)}
