"""The device loop: training on one device (a GPU, or the CPU) with no host round trip per minibatch.

The Hogwild loop (`loop`) prepares every minibatch on the host and reads its loss back at once; on a GPU that is
bound by launches and syncs. This loop keeps everything on the device the matrices live on: the corpus ids, line
starts, keep probabilities, negative table and subword table, and draws subsampling, windows and negatives there
from a generator of that device, seeded per chunk as the Hogwild loop's are. It trains the same pairs with the
same weights through the same step code (`steps`); what differs is how a minibatch is laid out:

* **A fixed grid of pairs.** A minibatch is B centres spread over the chunk (every ``nbatches``-th kept
  position, as in the Hogwild loop) and every one of the ``2 * window`` slots of each centre's window, a
  [B, 2w] grid. A slot past the drawn half-width, the line or the chunk is a pair of weight 0
  (`steps.Batch.pair_weight`); for CBOW its context is the empty word (`add_empty_word`), whose vector is zero.
  No ``nonzero``, whose size only the device knows.
* **Every occurrence composed on its own** (`steps.occurrence_bags`), with no ``unique``: an occurrence's rows
  are gathered into a block padded to the chunk's ``row_capacity``, the most rows any minibatch of the chunk
  needs (computed once per chunk). The caps of `steps` are kept (a word's occurrences share its cap), and one
  more is added: an input row that many of the minibatch's words share is capped at ``MAX_SUMMED_UPDATES``
  words' worth (`steps.Batch.cap_shared_rows`), which minibatches larger than the Hogwild loop's need.
* **Hierarchical softmax** (``loss="hs"``) draws no negatives, and its paths are padded to the deepest, the
  slots past a path of weight 0 (`steps`), for the same reason: no size that only the device knows.
* **The loss stays on the device.** Each minibatch adds its loss and pairs to running sums there, and the
  largest loss per pair so far; the host reads them every `READ_EVERY` minibatches and at the end of a chunk,
  for the progress line and the divergence check (a diverged run stops at most `READ_EVERY` minibatches late,
  with the same message as the Hogwild loop).

Host syncs: per chunk, the number of line ends and of kept tokens (`sampling.KeptTokens`) and the row capacity;
then one read every `READ_EVERY` minibatches. One worker trains the chunks in corpus order, so a seed gives
bit-identical vectors on the CPU; on CUDA the loop turns on torch's deterministic algorithms while it runs
(`reproducible`: ``index_add_`` then takes a deterministic kernel), which no GPU has checked yet.
"""

from __future__ import annotations

import math
import os
from contextlib import contextmanager

import torch
import torch.nn.functional as F

from .sampling import KeptTokens, draw_negatives, minibatch_count, minibatch_positions
from .steps import DIVERGED_LOSS_PER_PAIR, Batch, diverged_error

#: Corpus tokens per chunk: a chunk's set-up costs a few host syncs, so chunks are large (a checkpoint records
#: whole chunks; Ctrl-C loses at most the chunks in progress).
DEVICE_CHUNK_TOKENS = 1 << 21

#: The host reads the running loss every this many minibatches.
READ_EVERY = 200

#: Centres per minibatch when none is asked for: the Hogwild loop's size on either device. Larger minibatches
#: would use a GPU better, but on NSMC jamo at lr 0.05 minibatches of 4,096, 16,384 and 65,536 centres all
#: diverged in epoch 1, even with the cap on shared rows (CPU, benchmarks/results/bench_gpu_cpu_jamo.json); a
#: larger default needs a learning-rate or cap rule measured on a GPU first.
DEFAULT_BATCH_CENTRES = {"cuda": 1024, "cpu": 1024}

def add_empty_word(subword_offsets: torch.Tensor) -> torch.Tensor:
    """The subword offsets with one more word, the empty word, which has no rows: a CBOW slot of weight 0
    holds it (``plan.empty_word``, its id), so that it adds nothing to the mean of the context."""
    return torch.cat([subword_offsets, subword_offsets[-1:]])


def row_capacity(plan, kept: KeptTokens, nbatches: int) -> int:
    """The most input rows any minibatch of the chunk composes (one host sync).

    Skip-gram composes the centres: minibatch ``s`` has the kept positions ``s, s + nbatches, ...``, so its
    rows are the sum of those words' rows. CBOW composes the contexts: for each window offset the slots hold
    positions of one residue class modulo ``nbatches`` (a subset of one minibatch's centres; the slots off the
    chunk or the line hold the empty word), so ``2 * window`` times the centres' largest total bounds it.
    """
    offsets = plan.parameters.subword_offsets
    lengths = offsets[kept.tokens + 1] - offsets[kept.tokens]  # [n]
    per_batch = F.pad(lengths, (0, nbatches * plan.batch_centres - len(kept))).view(-1, nbatches).sum(0)  # [nbatches]
    largest = int(per_batch.max())
    return largest * (2 * plan.window if plan.empty_word >= 0 else 1)


def draw_grid_batch(plan, kept: KeptTokens, index: int, nbatches: int, lr: float, generator, capacity: int) -> Batch:
    """Minibatch ``index`` of ``nbatches``: its centres, every window slot as a pair (weight 0 where the slot
    holds no context word) and its negatives, all drawn on the device."""
    device = plan.device
    positions = minibatch_positions(len(kept), index, nbatches, 1, device)  # [B]
    context_positions, valid = kept.windows(plan, positions, generator)  # [B, 2w], [B, 2w]
    contexts = kept.tokens[context_positions]
    if plan.empty_word >= 0:
        contexts = torch.where(valid, contexts, plan.empty_word)
    width = context_positions.shape[1]
    pair_centre = torch.arange(len(positions), device=device).repeat_interleave(width)  # [B * 2w]
    return Batch(
        kept.tokens[positions],
        pair_centre,
        contexts.view(-1),
        draw_negatives(plan, len(positions), generator),
        lr,
        plan.neg,
        pair_weight=valid.view(-1).to(torch.float32),
        row_capacity=capacity,
        cap_shared_rows=True,
        own_row_rate=plan.own_row_rate,
        row_scale_exponent=plan.row_scale_exponent,
    )


def train_chunk(rank: int, chunk: tuple[int, int, int, int], plan, queue) -> bool:
    """Train on tokens ``low:high`` in ``epoch`` on the plan's device; False if stopped before the end."""
    chunk_id, epoch, low, high = chunk
    device = plan.device
    generator = torch.Generator(device=device).manual_seed(plan.seed * 1_000_003 + chunk_id)
    kept = KeptTokens(plan, low, high, generator)  # sync: the kept tokens' count
    if len(kept) == 0:
        queue.done[rank] += high - low
        return True
    nbatches = minibatch_count(len(kept), plan.batch_centres, 1)
    capacity = row_capacity(plan, kept, nbatches)  # sync
    sums = torch.zeros(2, device=device)  # [loss, pairs] since the last read
    worst = torch.zeros((), device=device)  # the largest loss per pair of a minibatch since the last read
    counted = 0
    for index in range(nbatches):
        if queue.stop.is_set():
            return False
        lr = plan.lr * max(0.0, 1.0 - queue.progress())
        batch = draw_grid_batch(plan, kept, index, nbatches, lr, generator, capacity)
        loss = plan.step(plan.parameters, batch)
        pairs = batch.pair_weight.sum()
        sums += torch.stack([loss, pairs])
        worst = torch.maximum(worst, loss / pairs.clamp(min=1))
        position = (high - low) * (index + 1) // nbatches  # progress: the chunk's share done so far
        queue.done[rank] += position - counted
        counted = position
        if (index + 1) % READ_EVERY == 0 or index == nbatches - 1:
            loss_sum, pair_sum, worst_seen = torch.cat([sums, worst.view(1)]).tolist()  # sync
            if not math.isfinite(worst_seen) or worst_seen > DIVERGED_LOSS_PER_PAIR:
                raise diverged_error(epoch, worst_seen)
            queue.loss[rank] += loss_sum
            queue.pairs[rank] += pair_sum
            sums.zero_()
            worst.zero_()
    return True


@contextmanager
def reproducible(device: torch.device):
    """On CUDA, torch's deterministic algorithms while the loop runs (so a seed gives the same vectors); a
    no-op on the CPU, where the loop's one worker is deterministic already."""
    if device.type != "cuda":
        yield
        return
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # what cuBLAS needs to be deterministic
    before = torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before[0], warn_only=before[1])
