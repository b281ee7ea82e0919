"""The hot loop: one minibatch of skip-gram with negative sampling, as plain tensor code.

A centre word's representation is the SUM of its rows in the input matrix (its own
row and one row per n-gram, `subwords.subword_table`). For every (centre, context)
pair the context's output row is the positive target and ``neg`` words drawn from
the negative distribution are the negatives. The gradient is known in closed form,
so there is no autograd: with ``g = lr * (label - sigmoid(score))``

* each output row moves by ``g * h`` (summed over the batch with ``index_add_``),
* ``h`` should move by ``sum(g * output_row)``; each of the centre's ``n`` input
  rows moves by that amount divided by ``n``, so that the sum ``h`` takes one
  plain SGD step whatever the number of n-grams. (fastText averages the rows in
  the forward pass and adds the full gradient to each row; both give ``h`` a step
  of the same size, but ours keeps the word vector a sum, as the paper defines it.)

All pairs of a minibatch are scored against the matrices as they were at the start
of the batch (updates are summed, Hogwild-style), which is what makes it a few
large tensor operations instead of millions of small ones.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def gather_bags(words: torch.Tensor, offsets: torch.Tensor, rows: torch.Tensor):
    """Flatten the subword rows of ``words`` for ``embedding_bag``.

    Returns ``(flat_rows, bag_starts, bag_lengths)``: rows of word ``i`` are
    ``flat_rows[bag_starts[i] : bag_starts[i] + bag_lengths[i]]``.
    """
    starts = offsets[words]
    lengths = offsets[words + 1] - starts
    bag_starts = torch.cumsum(lengths, 0) - lengths
    shift = torch.repeat_interleave(starts - bag_starts, lengths)
    flat_index = torch.arange(shift.numel(), dtype=torch.int64) + shift
    return rows[flat_index], bag_starts, lengths


def skipgram_step(
    input_matrix: torch.Tensor,
    output_matrix: torch.Tensor,
    subword_offsets: torch.Tensor,
    subword_rows: torch.Tensor,
    centres: torch.Tensor,
    pair_centre: torch.Tensor,
    pair_context: torch.Tensor,
    negatives: torch.Tensor,
    lr: float,
) -> float:
    """Update both matrices in place for one minibatch; return the summed loss.

    Parameters
    ----------
    centres : int64 [B]
        Word id of each centre position of the batch.
    pair_centre : int64 [P]
        For each (centre, context) pair, the index of its centre in ``centres``.
    pair_context : int64 [P]
        Word id of each pair's context word (the positive target).
    negatives : int64 [P, K]
        Negative word ids of each pair. A negative equal to the pair's context
        gets no update (fastText redraws it instead; the effect is the same).
    """
    flat_rows, bag_starts, bag_lengths = gather_bags(centres, subword_offsets, subword_rows)
    hidden = F.embedding_bag(flat_rows, input_matrix, bag_starts, mode="sum")  # [B, d]
    pair_hidden = hidden[pair_centre]  # [P, d]

    positive_rows = output_matrix[pair_context]  # [P, d]
    negative_rows = output_matrix[negatives]  # [P, K, d]
    positive_score = (pair_hidden * positive_rows).sum(1)
    negative_score = torch.bmm(negative_rows, pair_hidden.unsqueeze(2)).squeeze(2)  # [P, K]

    loss = -(F.logsigmoid(positive_score).sum() + F.logsigmoid(-negative_score).sum()).item()

    positive_grad = lr * (1.0 - torch.sigmoid(positive_score))  # label 1
    negative_grad = -lr * torch.sigmoid(negative_score) * (negatives != pair_context.unsqueeze(1))  # label 0

    pair_hidden_grad = positive_grad.unsqueeze(1) * positive_rows + torch.bmm(
        negative_grad.unsqueeze(1), negative_rows
    ).squeeze(1)
    dim = hidden.shape[1]
    add_rows_capped(
        output_matrix,
        torch.cat([pair_context, negatives.reshape(-1)]),
        torch.cat([positive_grad.unsqueeze(1) * pair_hidden, (negative_grad.unsqueeze(2) * pair_hidden.unsqueeze(1)).reshape(-1, dim)]),
    )
    hidden_grad = torch.zeros_like(hidden).index_add_(0, pair_centre, pair_hidden_grad)
    row_grad = (hidden_grad / bag_lengths.unsqueeze(1)).repeat_interleave(bag_lengths, dim=0)
    add_rows_capped(input_matrix, flat_rows, row_grad)
    return loss


#: At most this many of a row's updates in one minibatch count in full.
MAX_SUMMED_UPDATES = 8


def add_rows_capped(matrix: torch.Tensor, index: torch.Tensor, updates: torch.Tensor, cap: int = MAX_SUMMED_UPDATES):
    """``matrix[index] += updates``, but a row hit ``k > cap`` times gets ``cap / k`` of the sum.

    Sequential SGD would apply a frequent word's k updates one after another, each
    seeing the effect of the last; a minibatch computes all k from the same stale
    row, and their plain sum overshoots once k * lr * |h|^2 is large (with no
    subsampling, "." is a context hundreds of times per batch and the vectors
    collapse). Capping the summed step at ``cap`` updates keeps rare rows exact and
    frequent rows stable.
    """
    unique, inverse, counts = torch.unique(index, return_inverse=True, return_counts=True)
    summed = torch.zeros(len(unique), matrix.shape[1], dtype=matrix.dtype, device=matrix.device)
    summed.index_add_(0, inverse, updates)
    summed *= (cap / counts.clamp(min=cap).to(matrix.dtype)).unsqueeze(1)
    matrix.index_add_(0, unique, summed)
