"""The hot loop: one minibatch of skip-gram or CBOW with negative sampling or
hierarchical softmax, as plain tensor code with closed-form gradients (no autograd).

A step takes the `Parameters` the workers share (the two matrices it updates in
place and the subword table it reads) and one `Batch` (what the loop drew), and
returns the batch's summed loss as a 0-d tensor (the caller decides when to read
it: the Hogwild loop after every step, the device loop every few hundred), as
fastText's ``Model::update`` takes the shared matrices and one thread's
``Model::State``. A step never waits for the device: every tensor's size is known
on the host (`Batch.row_capacity` is what makes that possible for the rows).

Semantics (each choice is tested in ``tests/test_training.py``):

* A word vector is the SUM of its rows in the input matrix: its own row and one
  row per n-gram (`subwords.subword_table`); with Bloom hashing, ``hash_count``
  rows per entry and no own row. The step code does not know the difference.
* Skip-gram: the centre word's vector ``h`` predicts each context word of its
  window. CBOW: the MEAN of the context words' vectors predicts the centre word
  (word2vec's ``cbow_mean``).
* Negatives come in draws of ``K`` shared by a group of ``G`` consecutive
  prediction inputs of the minibatch (`loop.NEGATIVE_DRAWS`: for skip-gram
  ``K = 6 * neg`` for ``G = 8`` centres, for CBOW ``K = 3 * neg`` for ``G = 8``; a
  minibatch's centres are spread over its chunk, so a group's are unrelated). Each input is scored against all ``K``
  negatives of its group's draw, each weighted by ``m * neg / K`` for a skip-gram
  centre with ``m`` context words (``neg / K`` for a CBOW centre), so that
  together they stand for the ``m * neg`` draws of per-pair sampling: the
  expected gradient is per-pair sampling's. Why groups: a centre has ``m ~ 5``
  pairs at window 5, so ``K = 6 * neg`` gives every pair about its own ``neg``
  draws (weight ~1), and sharing one draw among 8 centres turns the negatives'
  work into small matrix products (``bmm``) over ``8x`` fewer gathered rows.
  Against the trainer's earlier ``K = 2 * neg`` per centre (weight ~3), on NSMC
  jamo (seed 0) analogy syn rose from 0.50 to 0.58, WS353 from 0.15 to 0.17,
  the probe by 0.2 points, at the same step time (CPU time per captured NSMC
  minibatch 8.2-10.5 ms against 7.9-9.9 ms, ``benchmarks/bench_step.py``),
  where ``6 * neg`` per centre took about 3x as long (``bench_ablation.py``,
  RESULTS.md). A negative that equals a target is not redrawn (fastText
  redraws it); with subsampling and ``count^0.5`` sampling this is rare.
* With ``g = lr * (label - sigmoid(score))``, an output row moves by ``g * h``; the
  input vector ``h`` should move by ``sum(g * output_row)``, and each of its ``n``
  rows moves by that amount divided by ``n``, so that the summed word vector
  takes one plain SGD step whatever its number of n-grams. (fastText averages the
  rows in the forward pass and adds the full step to each row: the word vector
  moves the same, but ours stays a sum, as the paper defines it.) A CBOW context
  word's rows take ``CBOW_ROW_GAIN / n`` each, a row's summed step capped (`CBOW_ROW_GAIN`);
  a skip-gram syllable word's own row takes none (`OWN_ROW_RATES`).
* Skip-gram on jamo (`ROW_SCALE_EXPONENTS`, ``a = 1/2``): the centre's vector is
  scored as ``n^-a * sum(rows)`` and each row moves by ``n^(a - 1)`` times that
  vector's step, so the scored vector still takes one step whatever ``n``. The
  model's word vector stays the sum, which points the same way.
* All predictions of a minibatch are computed from the matrices as they were at
  its start and the updates are summed (the trainer spreads a minibatch's centres
  over its chunk, so that they are nearly independent); an output row, and an
  input WORD, hit more than `MAX_SUMMED_UPDATES` times gets that many updates'
  worth (`capped_shares`, `_update_input`). Each distinct input word of a
  minibatch is composed and updated once (`distinct_words`), so the cap on words
  costs nothing; n-gram rows shared by different words are not counted (a word's
  step is already split over its rows). Without the cap on input words, sentencepiece pieces as words
  diverged on NSMC + general prose (loss per pair 176 in epoch 1, against 2.06 at
  the end with it): even after subsampling, "%" from long runs of URL-encoded
  text was the centre of up to 114 of a minibatch's 1,024 predictions, and in 10%
  of minibatches some word was a centre more than 8 times.
* A pair of weight 0 (`Batch.pair_weight`, the device loop's fixed grid of
  window slots) counts for nothing: no loss, no step, no share of the caps.
  With `Batch.row_capacity` every occurrence of an input word is composed and
  updated on its own (`occurrence_bags`, no ``unique``, whose size only the
  device knows); with the cap spread over its occurrences, a word moves exactly
  as it does composed once.

Hierarchical softmax (``--loss hs``, `Parameters.tree` given; `huffman` builds
the tree): the output matrix holds one row per inner node of a Huffman tree over
the words of the run, and a prediction of word ``t`` from ``h`` is one binary
logistic regression per node of ``t``'s path, no negatives. The same
`skipgram_step` and `cbow_step` compose the inputs and update them; only their
output layer differs, `_update_paths` in place of `_update_output`, chosen by
whether `Parameters.tree` is there. In fastText's sign convention (its
``HierarchicalSoftmaxLoss::forward``): at node ``n`` with code ``c`` (0 or 1,
`huffman`), ``s = <h, out[n]>``, the loss is ``-log sigmoid((2c - 1) s)`` and
``g = lr * (c - sigmoid(s))`` (the label is the code; word2vec's is ``1 - c``).
Then ``out[n]`` moves by ``g * h`` and ``h`` by ``sum(g * out[n])`` over the
path, split over its rows as above; every node of every path is computed from
the matrices as they were at the start of the minibatch, as fastText computes a
path's nodes from one ``hidden``. A node is an output row like another for the
cap: the root lies on every path of the minibatch, so its summed step is capped
at `MAX_SUMMED_UPDATES` updates' worth, as the row of a frequent word is. The
Hogwild loop lays the paths out ragged (each node once, one host sync for their
total, where the loop reads the loss anyway); the device loop (`Batch.pair_weight`
given) pads every path to the deepest, the slots past a path of weight 0, with
no host sync. A pair's loss starts at its target's depth times ``ln 2`` (zero
output rows): 14 for a target 20 nodes deep, far under `DIVERGED_LOSS_PER_PAIR`.
These choices are tested in ``tests/test_hs.py``.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

import torch
import torch.nn.functional as F

from ..errors import TrainingError

#: At most this many of a row's updates in one minibatch count in full.
MAX_SUMMED_UPDATES = 8

#: On the CPU the input rows' steps are made and added about this many rows at a time (`_update_input`), so
#: that a chunk's ``[rows, dim]`` steps (1.6 MB at dim 100) are still in the cache when they are scaled and added:
#: on captured NSMC jamo CBOW minibatches (~47K rows) the input update took ~6.0 ms in 16 chunks against ~7.6 ms
#: whole (one thread, medians of 4 rounds of 30 minibatches). The result is the same: a row's steps are added
#: in the same order.
INPUT_STEP_ROWS = 4096

#: CBOW: each row of a context word takes ``CBOW_ROW_GAIN / n`` of the word's step (``n`` its rows), where a
#: skip-gram centre's rows take ``1 / n``, and a row's summed step in a minibatch is capped at
#: `MAX_SUMMED_UPDATES` occurrences' worth (`_update_input`'s ``cap_shared_rows``). So a row that few words of
#: the minibatch hold (a word's own row, a rare n-gram) learns 8x faster, and one that many share (``다>``) no
#: faster than the cap lets it. Why: with ``1 / n`` CBOW's input rows learned too slowly. On NSMC (pre-cut,
#: `bench_train` settings, lr 0.05, seed 0), syllable CBOW scored typo / conjugation hit@10 0.114 / 0.234 and
#: probe 83.72%, below fastText's CBOW on unseen words (0.119 / 0.252); at lr 0.1 it scored 0.165 / 0.356 /
#: 84.65%. A gain alone (2 to 8, no cap on shared rows) trained syllable but made jamo diverge in epoch 1: the
#: shared n-gram rows took the summed stale steps of hundreds of words. With the cap, gain 8: syllable 0.271 /
#: 0.508 / 85.08%, jamo 0.657 / 0.719 / 84.48% (against 0.491 / 0.387 / 83.38% before); gain 16 with the same
#: cap, or gain 8 with the cap at 16 occurrences, diverged on jamo (RESULTS.md, issue 17, point 3).
CBOW_ROW_GAIN = 8.0

#: Skip-gram with negative sampling: how fast a centre word's own row learns against its n-gram rows, per subword
#: scheme (`_update_input`'s ``own_row_rate``; a scheme not listed: 1, the same ``1 / n`` share of the word's
#: step as each n-gram row). 0: a syllable word's own row keeps its random start, and what the word learns goes
#: into its n-gram rows alone, where unseen words and the word's relatives share it. Why: the own row, learnt
#: from a word's own few contexts, pulled its vector away from what its n-grams say, which costs the measures
#: that compare words through their pieces. On NSMC syllables (3 seeds, `bench_protocol.py`; RESULTS.md, issue 12,
#: "own rows"), rate 0 against 1: analogy syn 0.443 against 0.410, typo hit@10 0.186 against 0.165, conjugations
#: 0.426 against 0.409, sem 0.096 against 0.086, WS353 0.193 against 0.191, probe 85.37% against 85.40%. Jamo
#: words sum ~25 rows, so their own rows weigh less; there, at one seed, rate 0 and 0.5 cost the probe 0.1-0.2
#: points (84.69% and 84.76% against 84.87%), on which jamo is level with fastText, so jamo keeps 1. An own row
#: moved by the word's whole step (rate n) raised the jamo probe 0.5 points and cut typo hit@10 from 0.62 to 0.35.
OWN_ROW_RATES = {"syllable": 0.0}

#: Skip-gram with negative sampling: per subword scheme, the exponent ``a`` of the scale ``n^-a`` on a centre
#: word's summed rows when it is scored (`skipgram_step`; a scheme not listed: 0, the plain sum). Each row then
#: takes ``n^a / n`` of the scored vector's step (`_update_input`'s ``row_gain``), so that vector moves by one
#: plain step, as with ``a = 0``. The model's vector is still the sum of the rows (the mission's definition),
#: which points the same way as the scored one. What ``a`` changes is how much a step of a word moves the words
#: that share rows with it: ``g * shared / (n_u^(1 - a) * n_w^a)`` for a step ``g`` of ``u`` and a word ``w``
#: (``a = 0``: ``1 / n_u``, the stepping word's share; ``a = 1``: ``1 / n_w``, fastText's mean). With ``a = 0`` a
#: few frequent n-gram rows (jamo word endings such as ``ㅓㄴ>``) took much of an unseen word's vector, and WS353's
#: pairs with a word outside the NSMC vocabulary scored 0.07-0.09 against fastText's 0.15. On NSMC jamo (3 seeds,
#: `bench_protocol.py`; RESULTS.md, issue 12, "the scale on a centre's rows") ``a = 1/2`` gave WS353 0.196, probe
#: 85.00%, conjugation hit@10 0.551 where ``a = 0`` gave 0.184-0.192, 84.90-84.91% and 0.687-0.695 (fastText:
#: 0.212-0.228, 84.85-84.88%, 0.474-0.475). At one seed ``a = 1`` cut conjugations to 0.45 and the probe to
#: 84.48%, ``a = 3/4`` to 0.49 and 84.76%. Syllable words have 8-9 rows: there ``a = 1/2`` cost conjugations 0.04
#: (one seed) where syllables lead fastText by 0.05, so they keep 0.
ROW_SCALE_EXPONENTS = {"jamo": 0.5}

#: Hierarchical softmax: a node's summed step in one minibatch moves the score of any of its predictions by at
#: most this much, were they all made from one input (`node_trust`). Why: see `node_trust`.
MAX_NODE_SCORE_STEP = 4.0

#: A minibatch whose loss per (centre, context) pair is above this has diverged: the loss starts near
#: (1 + neg) * ln 2 (4.2 at neg 5; hierarchical softmax: the target's depth in the tree times ln 2) and falls;
#: one above 100 means vectors whose scores run into the hundreds, and the model would be useless long before it
#: overflowed to inf.
DIVERGED_LOSS_PER_PAIR = 100.0


def diverged_error(epoch: int, loss_per_pair: float) -> TrainingError:
    """The error of a run whose loss per pair passed `DIVERGED_LOSS_PER_PAIR` (or is not finite) in ``epoch``."""
    return TrainingError(
        f"training diverged in epoch {epoch + 1} (the loss per pair became {loss_per_pair:.3g}); try a lower --lr"
    )


class TreePaths(NamedTuple):
    """`huffman.HuffmanTree` as tensors for the step: word ``t``'s path is ``nodes[t, :lengths[t]]``."""

    nodes: torch.Tensor  # int64 [words, depth]: inner nodes (output rows), the leaf's parent first; padding 0
    codes: torch.Tensor  # float32 [words, depth]: each node's code, fastText's label (0 or 1); padding 0
    lengths: torch.Tensor  # int64 [words]

    @classmethod
    def from_tree(cls, tree, device=None) -> TreePaths:
        return cls(
            torch.from_numpy(tree.paths).to(device),
            torch.from_numpy(tree.codes).to(device=device, dtype=torch.float32),
            torch.from_numpy(tree.lengths).to(device),
        )


class Parameters(NamedTuple):
    """What every worker shares: the matrices a step updates in place, and the subword table it reads."""

    input_matrix: torch.Tensor  # float32 [words + used buckets, d]
    output_matrix: torch.Tensor  # float32 [words, d] (with a tree: [words - 1, d])
    subword_offsets: torch.Tensor  # int64 [words + 1]: word w's rows are subword_rows[offsets[w]:offsets[w + 1]]
    subword_rows: torch.Tensor  # int64 [table size]: rows of input_matrix
    # Hierarchical softmax: every word's path in the Huffman tree (the output rows are its inner nodes); None:
    # negative sampling.
    tree: TreePaths | None = None


class Batch(NamedTuple):
    """One minibatch, as the training loop drew it.

    ``centres[pair_centre[j]]`` and ``pair_context[j]`` are the j-th (centre,
    context) pair; ``negatives[k]`` is the k-th draw of ``K`` negatives, shared by
    the centres ``k * G .. k * G + G - 1`` (``G = ceil(B / D)``) and all their
    pairs, standing for ``neg`` negatives per prediction (each weighted by
    ``pairs * neg / K``).
    """

    centres: torch.Tensor  # int64 [B]: word id of each centre position
    pair_centre: torch.Tensor  # int64 [P]: index into centres of each pair's centre
    pair_context: torch.Tensor  # int64 [P]: word id of each pair's context word
    negatives: torch.Tensor | None  # int64 [D, K]: D = ceil(B / G) draws; None for hierarchical softmax
    lr: float
    neg: int
    # The device loop's additions (None in the Hogwild loop, which keeps only real pairs):
    pair_weight: torch.Tensor | None = None  # float [P]: 1 for a real pair, 0 for an empty window slot
    row_capacity: int | None = None  # input words composed per occurrence, their rows padded to this many
    cap_shared_rows: bool = False  # cap the input rows many words share, too (`_update_input`)
    own_row_rate: float = 1.0  # skip-gram: a centre's own row takes this times an n-gram row's step (`OWN_ROW_RATES`)
    row_scale_exponent: float = 0.0  # skip-gram: a centre is scored as n^-a times its summed rows (`ROW_SCALE_EXPONENTS`)


def gather_bags(words: torch.Tensor, offsets: torch.Tensor, rows: torch.Tensor):
    """Flatten the subword rows of ``words`` for ``embedding_bag``.

    Returns ``(flat_rows, bag_starts, bag_lengths)``: rows of word ``i`` are
    ``flat_rows[bag_starts[i] : bag_starts[i] + bag_lengths[i]]``.
    """
    starts = offsets[words]
    lengths = offsets[words + 1] - starts
    bag_starts = torch.cumsum(lengths, 0) - lengths
    shift = torch.repeat_interleave(starts - bag_starts, lengths)
    flat_index = torch.arange(shift.numel(), dtype=torch.int64, device=words.device) + shift
    return rows.index_select(0, flat_index), bag_starts, lengths


class InputBags(NamedTuple):
    """A minibatch's input words as bags of rows (`distinct_words` or `occurrence_bags`).

    Occurrence ``i`` of the words the step was given is bag ``inverse[i]``, whose word occurs ``counts[b]``
    times in the minibatch (what the cap counts); bag ``b``'s rows are
    ``flat_rows[bag_starts[b] : bag_starts[b] + bag_lengths[b]]``. With ``order`` (distinct words), the
    occurrences sorted by bag: bag ``b``'s are ``order[s : s + counts[b]]``, ``s`` the sum of the counts before.
    """

    inverse: torch.Tensor  # int64 [occurrences]
    counts: torch.Tensor  # int64 [bags]
    flat_rows: torch.Tensor  # int64 [R]
    bag_starts: torch.Tensor  # int64 [bags]
    bag_lengths: torch.Tensor  # int64 [bags]
    order: torch.Tensor | None = None  # int64 [occurrences]; None: occurrence bags, one occurrence per bag


def distinct_words(words: torch.Tensor, subword_offsets: torch.Tensor, subword_rows: torch.Tensor) -> InputBags:
    """The distinct ``words`` of a minibatch, each a bag with its rows gathered once (`InputBags`)."""
    sorted_words, order = torch.sort(words)
    unique, counts = torch.unique_consecutive(sorted_words, return_counts=True)
    inverse = torch.empty_like(order)
    inverse[order] = torch.repeat_interleave(torch.arange(len(unique), device=words.device), counts, output_size=len(words))
    return InputBags(inverse, counts, *gather_bags(unique, subword_offsets, subword_rows), order)


def occurrences(index: torch.Tensor, size: int) -> torch.Tensor:
    """int64 [size]: how often each of ``0..size - 1`` occurs in ``index``. Not ``torch.bincount``, which on CUDA
    reads the largest value back to the host (a sync) even when given ``minlength``; on the CPU, where there is
    no sync to avoid, bincount it is (an int64 ``index_add_`` made the test suite's tiny trainings ~10x slower)."""
    if index.device.type == "cpu":
        return torch.bincount(index, minlength=size)
    return torch.zeros(size, dtype=torch.int64, device=index.device).index_add_(0, index, torch.ones_like(index))


def occurrence_bags(words: torch.Tensor, subword_offsets: torch.Tensor, subword_rows: torch.Tensor, capacity: int) -> InputBags:
    """Every occurrence in ``words`` its own bag of rows, padded to ``capacity`` rows, with no host sync.

    Returns `InputBags` of ``len(words) + 1`` bags: bag ``i < len(words)`` is occurrence ``i`` (``inverse`` is
    ``0..len(words) - 1``; ``counts[i]`` is how often its word occurs in ``words``), and one last bag holds the
    padding (rows of no consequence: its output is never read and its gradient is zero). ``capacity`` must be
    at least the occurrences' rows together (the device loop computes it per chunk).
    """
    device = words.device
    counts = occurrences(words, len(subword_offsets) - 1).index_select(0, words)
    starts = subword_offsets.index_select(0, words)
    lengths = subword_offsets.index_select(0, words + 1) - starts
    padding = (capacity - lengths.sum()).view(1)
    starts = torch.cat([starts, torch.zeros(1, dtype=starts.dtype, device=device)])
    lengths = torch.cat([lengths, padding])
    bag_starts = torch.cumsum(lengths, 0) - lengths
    shift = torch.repeat_interleave(starts - bag_starts, lengths, output_size=capacity)
    flat_index = (torch.arange(capacity, dtype=torch.int64, device=device) + shift).clamp_(max=len(subword_rows) - 1)
    inverse = torch.arange(len(words), device=device)
    counts = torch.cat([counts, torch.ones(1, dtype=counts.dtype, device=device)])
    return InputBags(inverse, counts, subword_rows.index_select(0, flat_index), bag_starts, lengths)


def input_bags(words: torch.Tensor, parameters: Parameters, row_capacity: int | None) -> InputBags:
    """The input words' bags: `distinct_words` (each word once), or with ``row_capacity`` `occurrence_bags`."""
    if row_capacity is None:
        return distinct_words(words, parameters.subword_offsets, parameters.subword_rows)
    return occurrence_bags(words, parameters.subword_offsets, parameters.subword_rows, row_capacity)


def bag_gradients(bags: InputBags, grad: torch.Tensor, grad_index: torch.Tensor | None = None) -> torch.Tensor:
    """[bags, d]: the sum of each bag's occurrences' gradients, occurrence ``i``'s being ``grad[grad_index[i]]``
    (None: ``grad[i]``).

    For distinct words this is one ``embedding_bag`` over the occurrences sorted by bag, which never builds the
    [occurrences, d] gradients that an ``index_select`` and an ``index_add_`` would (CBOW: one per context word,
    ~3x the distinct words): with the centres' mean likewise an ``embedding_bag``, the CBOW step took ~10-15%
    less time (captured NSMC syllable minibatches, one thread: 5.3-6.4 against 6.2-7.2 ms; RESULTS.md, issue 17).
    """
    if bags.order is not None:
        sources = bags.order if grad_index is None else grad_index.index_select(0, bags.order)
        return F.embedding_bag(sources, grad, torch.cumsum(bags.counts, 0) - bags.counts, mode="sum")
    if grad_index is not None:
        grad = grad.index_select(0, grad_index)
    return torch.zeros(len(bags.counts), grad.shape[1], dtype=grad.dtype, device=grad.device).index_add_(0, bags.inverse, grad)


def _update_input(
    input_matrix,
    bags: InputBags,
    word_grad,
    cap: int | None = None,
    cap_shared_rows: bool = False,
    row_gain: float | torch.Tensor = 1.0,
    own_row_rate: float = 1.0,
) -> None:
    """Move each bag's word by ``word_grad`` (its occurrences' summed gradient, `bag_gradients`), capped at
    ``cap`` occurrences' worth, split evenly over its rows, each row taking ``row_gain / n`` of it (``row_gain``
    one number, or one per bag); with
    ``own_row_rate``, the first row of a bag of several (a word's own row, `subwords.subword_table`) takes that
    times as much (`OWN_ROW_RATES`).

    With ``cap_shared_rows``, a row is also capped at ``cap`` occurrences' worth of steps: a row's load is the
    sum, over the bags that hold it, of the bag's (capped) occurrences times the share each of its rows takes
    (``row_gain / n``). The device loop's large minibatches need this: at 4,096 centres an n-gram that hundreds
    of the minibatch's words share (jamo endings such as ``다>``) summed their stale steps until training
    diverged (NSMC jamo, epoch 1); at the Hogwild loop's 1,024 they do not. CBOW's ``row_gain`` of 8 needs it
    always (`CBOW_ROW_GAIN` says why); skip-gram's ``n^a`` (`ROW_SCALE_EXPONENTS`) leaves a row at most
    ``n^(a - 1)`` of the word's step and trained without it.
    """
    cap = cap or MAX_SUMMED_UPDATES
    counts, flat_rows, bag_lengths = bags.counts, bags.flat_rows, bags.bag_lengths
    worth = cap / counts.clamp(min=cap).to(word_grad.dtype)  # [bags]: the share of each occurrence that counts
    per_row = worth * row_gain / bag_lengths.clamp(min=1)
    word_grad = word_grad * per_row.unsqueeze(1)
    row_scale = None
    if cap_shared_rows:
        # A bag's occurrences in the step: its word's count for distinct words; 1 for an occurrence bag (0: padding).
        occurring = counts if bags.order is not None else occurrences(bags.inverse, len(counts))
        bag_load = occurring.to(word_grad.dtype) * per_row  # [bags]: what each row of a bag takes
        row_load = bag_load.repeat_interleave(bag_lengths, output_size=len(flat_rows))  # [R]
        row_scale = cap / totals_at(flat_rows, row_load, input_matrix.shape[0]).clamp(min=cap)  # [R]
    for first, last, start, end in _bag_chunks(bags, input_matrix.device):
        steps = word_grad[first:last].repeat_interleave(bag_lengths[first:last], dim=0, output_size=end - start)
        if row_scale is not None:
            steps *= row_scale[start:end].unsqueeze(1)
        if own_row_rate != 1.0:
            # A bag's first row is its word's own row; a word of one row is all own row and keeps its step. No mask
            # (the device loop must not wait for the device): an empty last bag (padding) points at the last row,
            # which it leaves as it is.
            owns = (bags.bag_starts[first:last] - start).clamp_(max=end - start - 1)
            rates = torch.where(bag_lengths[first:last] > 1, own_row_rate, 1.0).to(steps.dtype)
            steps[owns] = steps[owns] * rates.unsqueeze(1)
        input_matrix.index_add_(0, flat_rows[start:end], steps)


def _bag_chunks(bags: InputBags, device: torch.device) -> list[tuple[int, int, int, int]]:
    """``(first, last, start, end)``: bags ``first:last``, whose rows are ``flat_rows[start:end]``, about
    `INPUT_STEP_ROWS` rows a chunk on the CPU; one chunk of all elsewhere (finding the bounds would wait for
    the device)."""
    nbags, nrows = len(bags.counts), len(bags.flat_rows)
    if device.type != "cpu" or nrows <= INPUT_STEP_ROWS:
        return [(0, nbags, 0, nrows)]
    chunks = -(-nrows // INPUT_STEP_ROWS)
    firsts = [nbags * i // chunks for i in range(chunks + 1)]
    starts = [*bags.bag_starts[firsts[:-1]].tolist(), nrows]
    return [(firsts[i], firsts[i + 1], starts[i], starts[i + 1]) for i in range(chunks)]


_scratch = threading.local()


def totals_at(index: torch.Tensor, values: torch.Tensor, nrows: int) -> torch.Tensor:
    """[len(index)]: for each entry of ``index`` (rows ``< nrows``), the sum of ``values`` over the entries with
    its row: a row's load in a minibatch, read back where the minibatch uses it.

    Summed in this thread's scratch vector of ``nrows`` values, of which only the indexed entries are zeroed
    and read: a fresh ``torch.zeros(nrows)`` per step, 8 MB for the input matrix's 2.1M rows at the default
    bucket, cost 3.2 ms a step against 0.9 ms for the ~150K entries of a CBOW minibatch's rows, and a bincount
    over the 85K output rows of NSMC 1.0 ms against 0.1 ms (one thread).
    """
    buffers = _scratch.__dict__.setdefault("buffers", {})
    key = (nrows, values.dtype, values.device)
    if key not in buffers:
        if len(buffers) >= 4:  # a thread that trains model after model keeps the last few sizes, not all
            buffers.clear()
        buffers[key] = torch.empty(nrows, dtype=values.dtype, device=values.device)
    return buffers[key].index_fill_(0, index, 0).index_add_(0, index, values).index_select(0, index)


def release_scratch() -> None:
    """Free this thread's scratch vectors (`totals_at`). A worker calls it before it tells the main thread that it
    has finished: left to the thread's own teardown, which runs after that, freeing a tensor could wait for the
    GIL while the main thread was already ending the interpreter, and the process aborted at exit ("terminate
    called without an active exception", exit status 134; seen after `kofasttext.train` with the machine busy)."""
    _scratch.__dict__.pop("buffers", None)


def capped_shares(nrows: int, *indices: torch.Tensor, cap: int | None = None) -> list[torch.Tensor]:
    """Scale for each update of a minibatch: ``cap / k`` for a row hit ``k > cap``
    times (by all ``indices`` together), 1 otherwise.

    Sequential SGD applies a frequent word's k updates one after another, each
    seeing the effect of the last; a minibatch computes all k from the same stale
    row, and their plain sum overshoots once ``k * lr * |h|^2`` is large (with no
    subsampling, "." is a context hundreds of times per batch and the vectors
    collapse). Capping a row's summed step at ``cap`` updates keeps rare rows exact
    and frequent rows stable.
    """
    cap = cap or MAX_SUMMED_UPDATES
    index = torch.cat(indices)
    counts = totals_at(index, torch.ones(len(index), device=index.device), nrows)
    return list((cap / counts.clamp(min=cap)).split([len(part) for part in indices]))


def _update_output(output_matrix, inputs, targets, target_input, negatives, negative_weight, lr, target_weight=None):
    """Score targets and negatives, update the output rows; return ``(loss, input_grad)``
    where ``loss`` is a 0-d tensor and ``input_grad[i]`` is how input vector ``i`` should move.

    ``targets[j]`` is predicted from ``inputs[target_input[j]]`` (``target_input`` None: from ``inputs[j]``, as
    a CBOW centre is), with weight ``target_weight[j]`` (1 or 0; None: all 1). Negatives come in draws shared by groups of
    consecutive inputs: with ``D`` draws (``negatives`` is ``[D, K]``) for ``B`` inputs, input ``i`` is scored
    against draw ``i // G``, ``G = ceil(B / D)``, each negative weighted by ``negative_weight[i]``.
    """
    draws, per_draw = negatives.shape
    count, dim = inputs.shape
    group = -(-count // draws)
    pad = draws * group - count  # the last group is padded with zero inputs of weight 0
    # index_select, not tensor[index]: on CPU it copies whole rows, several times faster.
    target_rows = output_matrix.index_select(0, targets)  # [P, d]
    negative_rows = output_matrix.index_select(0, negatives.reshape(-1)).view(draws, per_draw, dim)  # [D, K, d]
    target_inputs = inputs if target_input is None else inputs.index_select(0, target_input)  # [P, d]
    grouped = F.pad(inputs, (0, 0, 0, pad)).view(draws, group, dim)  # [D, G, d]
    target_score = (target_inputs * target_rows).sum(1)
    negative_score = torch.bmm(grouped, negative_rows.transpose(1, 2))  # [D, G, K]
    weight = F.pad(negative_weight.to(inputs.dtype), (0, pad)).view(draws, group, 1)
    target_loss = F.logsigmoid(target_score)
    target_grad = lr * (1.0 - torch.sigmoid(target_score))  # label 1
    counted_targets = targets
    if target_weight is not None:
        target_loss, target_grad = target_loss * target_weight, target_grad * target_weight
        # A target of weight 0 is counted against a row past the end, so that it takes no share of a cap.
        counted_targets = torch.where(target_weight > 0, targets, output_matrix.shape[0])
    loss = -(target_loss.sum() + (weight * F.logsigmoid(-negative_score)).sum())

    negative_grad = -lr * torch.sigmoid(negative_score) * weight  # label 0
    input_grad = torch.bmm(negative_grad, negative_rows).view(-1, dim)[:count]
    target_input_grad = target_grad.unsqueeze(1) * target_rows
    if target_input is None:
        input_grad += target_input_grad
    else:
        input_grad.index_add_(0, target_input, target_input_grad)

    # The output rows' steps, with each row's share scaled by the cap (see `capped_shares`: a negative of a
    # draw counts once, its step summed over the draw's group).
    target_share, negative_share = capped_shares(output_matrix.shape[0] + 1, counted_targets, negatives.reshape(-1))
    output_matrix.index_add_(0, targets, (target_grad * target_share).unsqueeze(1) * target_inputs)
    negative_step = torch.bmm(negative_grad.transpose(1, 2), grouped) * negative_share.view(draws, per_draw, 1)
    output_matrix.index_add_(0, negatives.reshape(-1), negative_step.view(-1, dim))
    return loss, input_grad


def _path_steps(tree: TreePaths, targets, target_input, target_weight=None, padded: bool = False):
    """The targets' paths as one flat list of node predictions: ``(nodes, codes, node_input, weight)``, each [S].

    Prediction ``k`` scores output row ``nodes[k]`` against input ``node_input[k]`` (the input of the target
    whose path it is), labelled ``codes[k]``, with ``weight[k]`` (the target's; None: all 1). Ragged (each
    target's path once, S the total of their lengths: one host sync), or ``padded`` (every path its ``depth``
    slots, those past its length of weight 0: no host sync, for the device loop).
    """
    depth = tree.nodes.shape[1]
    lengths = tree.lengths.index_select(0, targets)  # [P]
    if padded:
        nodes = tree.nodes.index_select(0, targets).view(-1)  # [P * depth]
        codes = tree.codes.index_select(0, targets).view(-1)
        on_path = (torch.arange(depth, device=targets.device) < lengths.unsqueeze(1)).to(codes.dtype)  # [P, depth]
        weight = on_path if target_weight is None else on_path * target_weight.unsqueeze(1)
        return nodes, codes, target_input.repeat_interleave(depth), weight.view(-1)
    total = int(lengths.sum())  # the host sync
    path_start = torch.cumsum(lengths, 0) - lengths
    along = torch.arange(total, device=targets.device) - path_start.repeat_interleave(lengths, output_size=total)
    slots = targets.repeat_interleave(lengths, output_size=total) * depth + along  # [S]: into the [words, depth] tables
    nodes = tree.nodes.view(-1).index_select(0, slots)
    codes = tree.codes.view(-1).index_select(0, slots)
    node_input = target_input.repeat_interleave(lengths, output_size=total)
    weight = None if target_weight is None else target_weight.repeat_interleave(lengths, output_size=total)
    return nodes, codes, node_input, weight


def _update_paths(output_matrix, tree: TreePaths, inputs, targets, target_input, lr, target_weight=None, padded=False):
    """Hierarchical softmax's output layer, in the form of `_update_output`: score every node of each target's
    path, update the node rows; return ``(loss, input_grad)``.

    ``targets[j]`` is predicted from ``inputs[target_input[j]]`` with weight ``target_weight[j]`` (None: all 1);
    ``padded`` lays the paths out as the device loop needs (`_path_steps`). Signs are fastText's (module docstring).
    """
    nodes, codes, node_input, weight = _path_steps(tree, targets, target_input, target_weight, padded)
    node_rows = output_matrix.index_select(0, nodes)  # [S, d]
    node_inputs = inputs.index_select(0, node_input)  # [S, d]
    score = (node_inputs * node_rows).sum(1)  # [S]
    node_loss = F.logsigmoid((2.0 * codes - 1.0) * score)  # log sigmoid(s) below a node coded 1, log sigmoid(-s) at 0
    node_grad = lr * (codes - torch.sigmoid(score))
    counted_nodes = nodes
    if weight is not None:
        node_loss, node_grad = node_loss * weight, node_grad * weight
        # A slot of weight 0 is counted against a row past the end, so that it takes no share of a cap.
        counted_nodes = torch.where(weight > 0, nodes, output_matrix.shape[0])
    input_grad = torch.zeros_like(inputs).index_add_(0, node_input, node_grad.unsqueeze(1) * node_rows)
    (share,) = capped_shares(output_matrix.shape[0] + 1, counted_nodes)
    share = share * node_trust(output_matrix.shape[0] + 1, counted_nodes, inputs, node_input, share, lr)
    output_matrix.index_add_(0, nodes, (node_grad * share).unsqueeze(1) * node_inputs)
    return -node_loss.sum(), input_grad


def node_trust(nrows: int, counted_nodes, inputs, node_input, share, lr: float) -> torch.Tensor:
    """Scale for each node prediction of a minibatch: ``min(1, MAX_NODE_SCORE_STEP / (lr * L))`` for its node,
    where ``L`` is the sum of ``share * |h|^2`` over the node's predictions (``h`` the input of each).

    A node's summed step is ``sum(share * g * h)`` with ``|g| <= lr``; were all its predictions made from one
    input ``h``, that step would move their score by up to ``lr * L``. The count cap (`capped_shares`) alone
    lets 8 such steps through, and in a homogeneous stretch of text they are alike: on NSMC + general prose
    (135,010 words) skip-gram hs diverged at lr 0.05 in the Korean Bible, whose few frequent words send their
    pairs down the same paths (the loss per pair went 6.5 -> 26 -> 168 within 30 minibatches); capping its
    nodes at 2 updates' worth, not its input words at 2, let it through: the nodes are what overshot. CBOW
    hs diverged 15 s into its first epoch there. With this bound both train. It is the trust region of that
    worst case; predictions from small or few inputs keep their full step.
    Negative sampling has no such bound: its output row is hit as its own word's target or as a drawn
    negative, never by every pair below it as a node near the root is.
    """
    squared = (inputs * inputs).sum(1).index_select(0, node_input) * share  # [S]
    load = totals_at(counted_nodes, squared, nrows)
    return MAX_NODE_SCORE_STEP / (lr * load).clamp(min=MAX_NODE_SCORE_STEP)


def _pairs_per_centre(batch: Batch, slots: torch.Tensor | None = None) -> torch.Tensor:
    """float [B]: each centre's pairs (of weight 1). ``slots``: its pairs of any weight, when the caller has them
    (`occurrences` of ``pair_centre``), which without `Batch.pair_weight` are the same."""
    if batch.pair_weight is None:
        return (occurrences(batch.pair_centre, len(batch.centres)) if slots is None else slots).to(torch.float32)
    return torch.zeros(len(batch.centres), device=batch.centres.device).index_add_(0, batch.pair_centre, batch.pair_weight)


def skipgram_step(parameters: Parameters, batch: Batch) -> torch.Tensor:
    """One skip-gram minibatch: each centre word's vector predicts its context words (against negatives, or
    with `Parameters.tree` along their paths). Updates both matrices in place, returns the summed loss."""
    input_matrix, output_matrix = parameters.input_matrix, parameters.output_matrix
    centres, pair_centre, pair_context, negatives = batch.centres, batch.pair_centre, batch.pair_context, batch.negatives
    bags = input_bags(centres, parameters, batch.row_capacity)
    vectors = F.embedding_bag(bags.flat_rows, input_matrix, bags.bag_starts, mode="sum")  # [bags, d]
    row_gain = 1.0
    if batch.row_scale_exponent:  # scored as n^-a * sum; each row takes n^a / n of the step (`ROW_SCALE_EXPONENTS`)
        row_gain = bags.bag_lengths.clamp(min=1).to(vectors.dtype).pow(batch.row_scale_exponent)  # [bags]
        vectors = vectors / row_gain.unsqueeze(1)
    hidden = vectors.index_select(0, bags.inverse)  # [B, d]
    if parameters.tree is not None:  # hierarchical softmax; the device loop's grid (pair_weight) pads the paths
        padded = batch.pair_weight is not None
        loss, hidden_grad = _update_paths(
            output_matrix, parameters.tree, hidden, pair_context, pair_centre, batch.lr, batch.pair_weight, padded
        )
    else:
        negative_weight = _pairs_per_centre(batch) * (batch.neg / negatives.shape[1])
        loss, hidden_grad = _update_output(
            output_matrix, hidden, pair_context, pair_centre, negatives, negative_weight, batch.lr, batch.pair_weight
        )
    _update_input(
        input_matrix,
        bags,
        bag_gradients(bags, hidden_grad),
        cap_shared_rows=batch.cap_shared_rows,
        row_gain=row_gain,
        own_row_rate=batch.own_row_rate,
    )
    return loss


def cbow_step(parameters: Parameters, batch: Batch) -> torch.Tensor:
    """One CBOW minibatch (the same arguments as `skipgram_step`).

    The mean of the context words' vectors predicts each centre word; each context word vector then moves by the
    full input gradient (word2vec's CBOW), each of its ``n`` rows taking ``CBOW_ROW_GAIN / n`` of it, a row at most
    `MAX_SUMMED_UPDATES` occurrences' worth. (With `Batch.pair_weight`, an empty slot's context is a word without
    rows, whose vector is zero: the loop draws it so.)
    """
    input_matrix, output_matrix = parameters.input_matrix, parameters.output_matrix
    centres, pair_centre, pair_context, negatives = batch.centres, batch.pair_centre, batch.pair_context, batch.negatives
    bags = input_bags(pair_context, parameters, batch.row_capacity)
    word_vectors = F.embedding_bag(bags.flat_rows, input_matrix, bags.bag_starts, mode="sum")  # [bags, d]
    # The mean over each centre's context words, as one embedding_bag: a centre's pairs are consecutive.
    slots = occurrences(pair_centre, len(centres))  # every pair, of weight 0 too
    contexts_per_centre = _pairs_per_centre(batch, slots)
    pair_share = (1.0 / contexts_per_centre.clamp(min=1)).index_select(0, pair_centre)
    if batch.pair_weight is not None:
        pair_share = pair_share * batch.pair_weight
    pair_share = pair_share.to(input_matrix.dtype)
    hidden = F.embedding_bag(
        bags.inverse, word_vectors, torch.cumsum(slots, 0) - slots, mode="sum", per_sample_weights=pair_share
    )  # [B, d]
    # A centre with no context word predicts nothing: weight 0 for its target and its negatives.
    has_context = (contexts_per_centre > 0).to(torch.float32)
    index = torch.arange(len(centres), device=centres.device)
    if parameters.tree is not None:  # hierarchical softmax: the centre's path; the device loop's grid pads it
        padded = batch.pair_weight is not None
        loss, hidden_grad = _update_paths(output_matrix, parameters.tree, hidden, centres, index, batch.lr, has_context, padded)
    else:
        negative_weight = has_context * (batch.neg / negatives.shape[1])
        loss, hidden_grad = _update_output(
            output_matrix, hidden, centres, None, negatives, negative_weight, batch.lr, has_context
        )
    word_grad = bag_gradients(bags, hidden_grad, pair_centre)
    _update_input(input_matrix, bags, word_grad, cap_shared_rows=True, row_gain=CBOW_ROW_GAIN)
    return loss
