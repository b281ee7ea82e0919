"""What both loops (`loop`, `device_loop`) draw at random, in the same order from a chunk's own generator:
the kept tokens of the chunk, then per minibatch the centres' window half-widths and the negatives.

Subsampling is fastText's: each occurrence is kept with its word's probability (`Vocabulary.keep_probabilities`),
so a chunk keeps the same tokens whichever worker trains it. With `loop.END_OF_LINE`, every line that ends in
the chunk ends with ``</s>``, subsampled like a word. A centre's window half-width is uniform in ``1..window``;
its context is every kept word that close to it on the same line and in the chunk.
"""

from __future__ import annotations

import torch


class KeptTokens:
    """The kept (subsampled) positions of corpus tokens ``low:high``, with their word ids and lines.

    ``plan`` is the loop's `loop._Plan`; its tensors may live on any device, and everything here is computed
    there (`device_loop` keeps the corpus on the GPU). Two host syncs: the number of line ends in the chunk and
    the number of tokens kept.
    """

    def __init__(self, plan, low: int, high: int, generator: torch.Generator):
        device = plan.tokens.device
        tokens = plan.tokens[low:high].long()
        positions = torch.arange(low, high, device=device)  # in the corpus; a </s> takes its line's last word's
        if plan.end_of_line >= 0:
            starts = plan.line_starts
            first, last_line = torch.searchsorted(starts, torch.tensor([low, high], device=device), right=True).tolist()
            ends = starts[first:last_line] - 1
            last = ends - low  # in the chunk
            is_last = torch.zeros(high - low, dtype=torch.long, device=device)
            is_last[last] = 1
            # Token i moves right by the number of </s> before it; each </s> follows its line's last token.
            moved = torch.arange(high - low, device=device) + torch.cumsum(is_last, 0) - is_last
            slots = moved[last] + 1
            with_ends = torch.empty(high - low + len(ends), dtype=torch.long, device=device)
            with_ends[moved], with_ends[slots] = tokens, plan.end_of_line
            tokens, positions = with_ends, torch.empty_like(with_ends)
            positions[moved], positions[slots] = torch.arange(low, high, device=device), ends
        keep = torch.rand(len(tokens), generator=generator, device=device) < plan.keep_probability[tokens]
        kept = torch.nonzero(keep).squeeze(1)
        self.tokens = tokens[kept]  # [n]
        # Context never crosses a line; a per-token line table would cost 4 bytes per corpus token in memory.
        self.lines = torch.searchsorted(plan.line_starts, positions[kept], right=True)  # [n]

    def __len__(self) -> int:
        return len(self.tokens)

    def windows(self, plan, positions: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """``(context_positions, valid)``, both [B, 2 * window]: every window slot of the centres at ``positions``
        (clamped into the chunk), and whether it is a context word of its centre."""
        window_offsets = plan.window_offsets
        half_width = torch.randint(1, plan.window + 1, (len(positions),), generator=generator, device=positions.device)
        context_positions = positions.unsqueeze(1) + window_offsets  # [B, 2w]
        valid = (window_offsets.abs() <= half_width.unsqueeze(1)) & (context_positions >= 0)
        valid &= context_positions < len(self)
        context_positions.clamp_(0, len(self) - 1)
        valid &= self.lines[context_positions] == self.lines[positions].unsqueeze(1)
        return context_positions, valid


def minibatch_count(kept: int, batch_centres: int, run: int) -> int:
    """How many minibatches a chunk of ``kept`` kept positions is cut into: each takes up to ``batch_centres``
    centres, in runs of ``run`` consecutive positions (`minibatch_positions`)."""
    runs = -(-kept // run)
    return max(1, -(-runs // max(1, batch_centres // run)))


def minibatch_positions(kept: int, index: int, nbatches: int, run: int, device=None) -> torch.Tensor:
    """int64 [B]: the kept positions of minibatch ``index`` of ``nbatches``: every ``nbatches``-th run of
    ``run`` consecutive positions, starting with run ``index`` (``run`` 1: every ``nbatches``-th position).

    Spread over the chunk, a minibatch's centres mix documents, as sequential SGD's neighbouring updates do
    (`loop._train_chunk` says why that matters); a run keeps a few neighbours together, which lets CBOW compose
    the context words they share once (`loop.CENTRE_RUNS`).
    """
    starts = torch.arange(index * run, kept, nbatches * run, device=device)
    if run == 1:
        return starts
    positions = (starts.unsqueeze(1) + torch.arange(run, device=device)).view(-1)  # [runs * run]
    return positions[positions < kept]


def draw_negatives(plan, centres: int, generator: torch.Generator) -> torch.Tensor | None:
    """int64 [D, K]: one draw of ``K = times * neg`` negatives per ``G`` consecutive centres
    (``plan.negative_draw = (G, times)``, `loop.NEGATIVE_DRAWS`), ``D = ceil(centres / G)``. None, drawing
    nothing, for hierarchical softmax (``plan.negative_draw`` None)."""
    if plan.negative_draw is None:
        return None
    centres_per_draw, times_neg = plan.negative_draw
    per_draw = plan.neg * times_neg
    draws = -(-centres // centres_per_draw)
    table = plan.negative_table
    slots = torch.randint(len(table), (draws * per_draw,), generator=generator, device=table.device)
    return table[slots].long().view(draws, per_draw)
