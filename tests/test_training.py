"""Training: the skip-gram minibatch step (kofasttext.training.steps) and the trainer
(kofasttext.training) on a tiny two-topic corpus (conftest.topic_corpus)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import FOOD, WEATHER

import kofasttext as kft
from kofasttext import UsageError
from kofasttext.corpus import encode_corpus
from kofasttext.subwords import SubwordScheme, subword_table
from kofasttext.training import loop
from kofasttext.training.sampling import KeptTokens, minibatch_count, minibatch_positions
from kofasttext.training.steps import (
    CBOW_ROW_GAIN,
    MAX_SUMMED_UPDATES,
    OWN_ROW_RATES,
    ROW_SCALE_EXPONENTS,
    Batch,
    Parameters,
    bag_gradients,
    capped_shares,
    cbow_step,
    distinct_words,
    skipgram_step,
    totals_at,
)

#: Small but real: every test run trains in well under a second.
TINY = dict(dim=16, bucket=20_000, min_count=1, threads=1, progress=False)


def topic_precision(model, topn: int = 5) -> float:
    """Share of each word's top neighbours that belong to the word's own topic."""
    hits = total = 0
    for word in FOOD + WEATHER:
        own = FOOD if word in FOOD else WEATHER
        neighbours = [w for w, _ in model.most_similar(word, topn=topn)]
        hits += sum(w in own for w in neighbours)
        total += topn
    return hits / total


@pytest.fixture
def recorded_losses(monkeypatch):
    """Per-pair loss of every minibatch the trainer runs, in order."""
    losses = []

    def recording_step(parameters, batch):
        loss = skipgram_step(parameters, batch)
        losses.append(float(loss) / len(batch.pair_centre))
        return loss

    monkeypatch.setattr(loop, "skipgram_step", recording_step)
    return losses


# -- the minibatch step ---------------------------------------------------------------
def _toy_matrices():
    torch.manual_seed(0)
    input_matrix = torch.randn(6, 4) * 0.5
    output_matrix = torch.randn(3, 4) * 0.5
    # word 0 = rows 0, 3, 4; word 1 = rows 1, 4 (row 4 shared); word 2 = rows 2, 5
    offsets = torch.tensor([0, 3, 5, 7])
    rows = torch.tensor([0, 3, 4, 1, 4, 2, 5])
    return input_matrix, output_matrix, offsets, rows, [[0, 3, 4], [1, 4], [2, 5]]


def _expected_step(
    input_matrix, output_matrix, bags, inputs_of, targets, target_input, negatives, weights, lr, exponent=0.0
):
    """Reference SGD step by autograd on the documented loss: every input vector, a word of ``n`` rows scored as
    ``n^-exponent`` times their sum, moves by -lr * grad, spread over its rows as ``n^exponent / n`` each."""
    scale = torch.tensor([len(b) ** -exponent for b in bags]).unsqueeze(1)
    word_vectors = (torch.stack([input_matrix[b].sum(0) for b in bags]) * scale).requires_grad_(True)
    out = output_matrix.clone().requires_grad_(True)
    inputs = inputs_of(word_vectors)
    positive = F.logsigmoid((inputs[target_input] * out[targets]).sum(1)).sum()
    negative = (weights.unsqueeze(1) * F.logsigmoid(-torch.einsum("bd,bkd->bk", inputs, out[negatives]))).sum()
    loss = -(positive + negative)
    loss.backward()
    expected_input = input_matrix.clone()
    for w, bag in enumerate(bags):
        for r in bag:
            expected_input[r] -= lr * word_vectors.grad[w] * len(bag) ** exponent / len(bag)
    return loss.item(), expected_input, output_matrix - lr * out.grad


@pytest.mark.parametrize(
    "neg, weights",
    [
        (None, [2.0, 1.0]),  # K negatives stand for K draws per pair: weight = pairs (2 and 1)
        (1, [1.0, 0.5]),  # K = 2 negatives stand for neg = 1 draw per pair: weight = pairs * 1/2
    ],
)
def test_skipgram_step_matches_autograd(neg, weights):
    """Skip-gram: the centre's summed vector predicts each context word; the K
    negatives of a centre are shared by its pairs, each weighted by pairs * neg / K."""
    input_matrix, output_matrix, offsets, rows, bags = _toy_matrices()
    lr = 0.1
    centres = torch.tensor([0, 1])
    pair_centre = torch.tensor([0, 0, 1])
    pair_context = torch.tensor([1, 2, 0])
    negatives = torch.tensor([[2, 1], [2, 2]])
    expected = _expected_step(
        input_matrix, output_matrix, bags, lambda v: v[centres], pair_context, pair_centre, negatives,
        torch.tensor(weights), lr,
    )  # fmt: skip
    new_input, new_output = input_matrix.clone(), output_matrix.clone()
    batch = Batch(centres, pair_centre, pair_context, negatives, lr, neg or negatives.shape[1])  # None: K
    loss = skipgram_step(Parameters(new_input, new_output, offsets, rows), batch)
    assert float(loss) == pytest.approx(expected[0], rel=1e-5)
    assert torch.allclose(new_input, expected[1], atol=1e-6)
    assert torch.allclose(new_output, expected[2], atol=1e-6)
    # word 2 was no centre: its own rows did not move
    assert torch.equal(new_input[[2, 5]], input_matrix[[2, 5]])


def test_a_draw_of_negatives_is_shared_by_a_group_of_consecutive_centres():
    """D draws for B centres: centre i is scored against draw i // ceil(B / D), weighted as if the draw were
    its own. Here 3 centres and 2 draws: centres 0 and 1 share draw 0, centre 2 has draw 1 (its group padded)."""
    input_matrix, output_matrix, offsets, rows, _ = _toy_matrices()
    centres = torch.tensor([0, 1, 2])
    pair_centre = torch.tensor([0, 0, 1, 2])
    pair_context = torch.tensor([1, 2, 0, 0])
    draws = torch.tensor([[2, 1], [1, 1]])
    results = []
    for negatives in (draws, draws[[0, 0, 1]]):  # grouped, and the same negatives given to each centre
        new_input, new_output = input_matrix.clone(), output_matrix.clone()
        loss = skipgram_step(
            Parameters(new_input, new_output, offsets, rows), Batch(centres, pair_centre, pair_context, negatives, 0.1, 2)
        )
        results.append((float(loss), new_input, new_output))
    (grouped_loss, grouped_input, grouped_output), (own_loss, own_input, own_output) = results
    assert grouped_loss == pytest.approx(own_loss, rel=1e-6)
    assert torch.allclose(grouped_input, own_input, atol=1e-6)
    assert torch.allclose(grouped_output, own_output, atol=1e-6)
    assert not torch.equal(grouped_output, output_matrix)


@pytest.mark.parametrize("rate", [0.0, 0.5])
def test_a_centre_s_own_row_takes_own_row_rate_times_an_ngram_row_s_step(rate):
    """`steps.OWN_ROW_RATES`: with ``own_row_rate`` the first row of a word of several rows (its own row) moves by
    that times the step it takes at rate 1; its n-gram rows move as at rate 1."""
    input_matrix, output_matrix, offsets, rows, _ = _toy_matrices()
    batch = Batch(torch.tensor([0, 1]), torch.tensor([0, 0, 1]), torch.tensor([1, 2, 0]), torch.tensor([[2, 1], [2, 2]]), 0.1, 2)
    moved = {}
    for own_row_rate in (1.0, rate):
        new_input = input_matrix.clone()
        skipgram_step(Parameters(new_input, output_matrix.clone(), offsets, rows), batch._replace(own_row_rate=own_row_rate))
        moved[own_row_rate] = new_input - input_matrix
    own, ngrams = [0, 1], [3, 4]  # the centres' own rows; their n-gram rows (row 4 both words')
    assert moved[1.0][own].abs().min() > 0
    assert torch.allclose(moved[rate][own], rate * moved[1.0][own], atol=1e-7)
    assert torch.equal(moved[rate][ngrams], moved[1.0][ngrams])


@pytest.mark.parametrize("exponent", [0.5, 1.0])
def test_a_centre_scored_as_n_to_the_minus_a_times_its_rows_takes_one_step_of_that_vector(exponent):
    """`steps.ROW_SCALE_EXPONENTS`: with ``row_scale_exponent`` a, a centre of n rows is scored as n^-a times their
    sum, and its rows move by n^a / n of that vector's step: the scored vector takes one SGD step, -lr * grad."""
    input_matrix, output_matrix, offsets, rows, bags = _toy_matrices()  # words of 3, 2 and 2 rows
    centres, pair_centre, pair_context = torch.tensor([0, 1]), torch.tensor([0, 0, 1]), torch.tensor([1, 2, 0])
    negatives = torch.tensor([[2, 1], [2, 2]])
    expected = _expected_step(
        input_matrix, output_matrix, bags, lambda v: v[centres], pair_context, pair_centre, negatives,
        torch.tensor([2.0, 1.0]), 0.1, exponent,
    )  # fmt: skip
    new_input, new_output = input_matrix.clone(), output_matrix.clone()
    batch = Batch(centres, pair_centre, pair_context, negatives, 0.1, 2, row_scale_exponent=exponent)
    loss = skipgram_step(Parameters(new_input, new_output, offsets, rows), batch)
    assert float(loss) == pytest.approx(expected[0], rel=1e-5)
    assert torch.allclose(new_input, expected[1], atol=1e-6)
    assert torch.allclose(new_output, expected[2], atol=1e-6)
    unscaled = input_matrix.clone()
    skipgram_step(Parameters(unscaled, output_matrix.clone(), offsets, rows), batch._replace(row_scale_exponent=0.0))
    assert not torch.allclose(new_input, unscaled, atol=1e-4)


@pytest.mark.parametrize("spare", [0, 3])
def test_the_device_loop_s_bags_leave_own_rows_alone_at_rate_0_whatever_the_padding(spare):
    """`occurrence_bags` (the device loop) end with a padding bag, empty when the rows fill the capacity exactly:
    at rate 0 the own rows keep their values and every n-gram row moves, either way."""
    from kofasttext.training.steps import _update_input, occurrence_bags

    _, _, offsets, rows, _ = _toy_matrices()  # own rows 0, 1, 2; n-gram rows 3, 4, 5
    words = torch.tensor([0, 2, 1, 0])
    bags = occurrence_bags(words, offsets, rows, capacity=10 + spare)
    grad = torch.cat([torch.ones(len(words), 4), torch.zeros(1, 4)])  # the padding bag's gradient is zero
    matrix = torch.zeros(6, 4)
    _update_input(matrix, bags, grad, own_row_rate=0.0)
    assert torch.equal(matrix[:3], torch.zeros(3, 4))
    assert (matrix[3:] > 0).all()


def test_the_own_row_rate_of_a_run_is_its_scheme_s_for_skipgram_with_negatives():
    scheme = SubwordScheme.create
    settings = {"model": "skipgram", "loss": "ns"}
    assert loop.own_row_rate(settings, scheme("syllable")) == OWN_ROW_RATES["syllable"] == 0.0
    assert loop.own_row_rate(settings, scheme("jamo")) == 1.0
    assert loop.own_row_rate({**settings, "model": "cbow"}, scheme("syllable")) == 1.0
    assert loop.own_row_rate({**settings, "loss": "hs"}, scheme("syllable")) == 1.0
    assert loop.own_row_rate(settings, scheme("syllable", bucket=1000, hash_count=2)) == 1.0  # Bloom: no own rows


def test_the_row_scale_exponent_of_a_run_is_its_scheme_s_for_skipgram_with_negatives():
    scheme = SubwordScheme.create
    settings = {"model": "skipgram", "loss": "ns"}
    assert loop.row_scale_exponent(settings, scheme("jamo")) == ROW_SCALE_EXPONENTS["jamo"] == 0.5
    assert loop.row_scale_exponent(settings, scheme("syllable")) == 0.0
    assert loop.row_scale_exponent({**settings, "model": "cbow"}, scheme("jamo")) == 0.0
    assert loop.row_scale_exponent({**settings, "loss": "hs"}, scheme("jamo")) == 0.0
    assert loop.row_scale_exponent(settings, scheme("jamo", bucket=1000, hash_count=2)) == 0.0  # Bloom


@pytest.mark.parametrize("recorded", [True, False])
def test_a_resumed_run_keeps_the_row_rules_of_its_checkpoint(topic_corpus, tmp_path, recorded):
    """A checkpoint's ``own_row_rate`` and ``row_scale_exponent`` are what it was trained with, whatever the
    scheme's rules of today; one written before the rules existed was trained with neither (rate 1, exponent 0),
    and a resumed run goes on so."""
    checkpoint = tmp_path / "m.checkpoint"
    first = kft.train(str(topic_corpus), subwords="jamo", epoch=1, seed=0, **TINY)
    assert (first.config["own_row_rate"], first.config["row_scale_exponent"]) == (1.0, 0.5)
    first.config["checkpoint"] = {"nchunks": 1, "completed_chunks": [0], "progress": 1.0}
    if recorded:
        first.config.update(own_row_rate=0.25, row_scale_exponent=0.75)  # not jamo's of today
    else:
        del first.config["own_row_rate"], first.config["row_scale_exponent"]
    first.save(str(checkpoint))
    resumed = kft.train(str(topic_corpus), checkpoint=str(checkpoint), resume=True, **TINY)
    rules = (resumed.config["own_row_rate"], resumed.config["row_scale_exponent"])
    assert rules == ((0.25, 0.75) if recorded else (1.0, 0.0))


def test_a_syllable_word_s_own_row_keeps_its_random_start(topic_corpus):
    """Skip-gram on syllables (OWN_ROW_RATES 0): the model's own rows are the initial values training drew (fastText's,
    uniform in +-1/dim from the seed), while the n-gram rows learnt."""
    model = kft.train(str(topic_corpus), subwords="syllable", epoch=2, seed=3, **TINY)
    words, dim = len(model.words), model.dim
    start = torch.empty(model.input_matrix.shape[0] + 1, dim).uniform_(
        -1 / dim, 1 / dim, generator=torch.Generator().manual_seed(3)
    )
    np.testing.assert_array_equal(model.input_matrix[:words], start[:words].numpy())
    assert np.abs(model.input_matrix[words:]).max() > 1 / dim
    assert model.config["own_row_rate"] == 0.0
    assert kft.train(str(topic_corpus), subwords="jamo", epoch=1, seed=3, **TINY).config["own_row_rate"] == 1.0


def test_cbow_step_matches_autograd():
    """CBOW: the MEAN of the context words' summed vectors predicts the centre;
    each context word vector moves by the full input gradient (word2vec) times CBOW_ROW_GAIN, split over its rows
    (no row here is shared past the cap)."""
    input_matrix, output_matrix, offsets, rows, bags = _toy_matrices()
    lr = 0.1
    centres = torch.tensor([0, 2])
    pair_centre = torch.tensor([0, 0, 1])
    pair_context = torch.tensor([1, 2, 0])
    negatives = torch.tensor([[2, 1], [1, 1]])

    def mean_of_contexts(vectors):
        return torch.stack([(vectors[1] + vectors[2]) / 2, vectors[0]])

    # Autograd gives the loss and the output step. The input step is built by hand:
    # CBOW moves every context word by the full gradient of the mean, not 1/m of it.
    reference_loss, _, expected_output = _expected_step(
        input_matrix, output_matrix, bags, mean_of_contexts, centres, torch.tensor([0, 1]), negatives, torch.ones(2), lr
    )
    new_input, new_output = input_matrix.clone(), output_matrix.clone()
    batch = Batch(centres, pair_centre, pair_context, negatives, lr, negatives.shape[1])
    loss = cbow_step(Parameters(new_input, new_output, offsets, rows), batch)
    assert float(loss) == pytest.approx(reference_loss, rel=1e-5)
    assert torch.allclose(new_output, expected_output, atol=1e-6)
    hidden = mean_of_contexts(torch.stack([input_matrix[b].sum(0) for b in bags]))
    scores_target = (hidden * output_matrix[centres]).sum(1)
    grad_target = lr * (1 - torch.sigmoid(scores_target))
    neg_scores = torch.einsum("bd,bkd->bk", hidden, output_matrix[negatives])
    hidden_step = grad_target.unsqueeze(1) * output_matrix[centres] - lr * torch.einsum(
        "bk,bkd->bd", torch.sigmoid(neg_scores), output_matrix[negatives]
    )
    # word 1 and word 2 are contexts of centre 0, word 0 of centre 1
    expected_input = input_matrix.clone()
    for word, centre in ((1, 0), (2, 0), (0, 1)):
        for r in bags[word]:
            expected_input[r] += CBOW_ROW_GAIN * hidden_step[centre] / len(bags[word])
    assert torch.allclose(new_input, expected_input, atol=1e-6)


def test_cbow_rows_take_the_gain_and_a_row_many_context_words_share_is_capped():
    """CBOW: each row of a context word takes CBOW_ROW_GAIN / n of the word's step, but a row that the minibatch's
    context words share moves by at most MAX_SUMMED_UPDATES occurrences' worth (steps.CBOW_ROW_GAIN)."""
    k, dim = 10, 4
    torch.manual_seed(0)
    # word i (i < k) = its own row i and the shared row k; word k (the centre) = row k + 1
    offsets = torch.tensor([2 * i for i in range(k + 1)] + [2 * k + 1])
    rows = torch.tensor([r for i in range(k) for r in (i, k)] + [k + 1])
    input_matrix = torch.randn(k + 2, dim) * 0.5
    output_matrix = torch.randn(k + 1, dim) * 0.5
    moved = input_matrix.clone()
    batch = Batch(torch.tensor([k]), torch.zeros(k, dtype=torch.int64), torch.arange(k), torch.tensor([[0, 1]]), 0.1, 2)
    cbow_step(Parameters(moved, output_matrix.clone(), offsets, rows), batch)
    step = moved - input_matrix
    # Every context word takes the same step (the full gradient of the centre's mean): its own row CBOW_ROW_GAIN / 2
    # of it; the shared row the ten words' load of 10 * CBOW_ROW_GAIN / 2 > cap, scaled down to cap steps.
    own = step[:k]
    assert torch.allclose(own, own[:1].expand(k, dim), atol=1e-6)
    assert own.abs().sum() > 0
    word_step = own[0] / (CBOW_ROW_GAIN / 2)
    assert torch.allclose(step[k], MAX_SUMMED_UPDATES * word_step, atol=1e-6)
    assert torch.allclose(step[k + 1], torch.zeros(dim))  # the centre's input row is not a context


@pytest.mark.parametrize("cap_shared_rows", [False, True])
def test_input_steps_added_in_chunks_give_the_whole_minibatch_s_result(monkeypatch, cap_shared_rows):
    from kofasttext.training import steps

    generator = torch.Generator().manual_seed(1)
    nwords, nrows, dim = 300, 500, 8
    lengths = torch.randint(1, 30, (nwords,), generator=generator)
    offsets = torch.cat([torch.zeros(1, dtype=torch.int64), torch.cumsum(lengths, 0)])
    rows = torch.randint(nrows, (int(offsets[-1]),), generator=generator)
    words = torch.randint(nwords, (400,), generator=generator)
    bags = distinct_words(words, offsets, rows)
    grad = torch.randn(len(bags.counts), dim, generator=generator)
    start = torch.randn(nrows, dim, generator=generator)
    results = []
    for chunk_rows in (10**9, 50, 7):  # one chunk, then many (a chunk holds whole bags)
        monkeypatch.setattr(steps, "INPUT_STEP_ROWS", chunk_rows)
        matrix = start.clone()
        steps._update_input(matrix, bags, grad, cap_shared_rows=cap_shared_rows, row_gain=3.0)
        results.append(matrix)
    assert len(steps._bag_chunks(bags, start.device)) > 20
    assert not torch.equal(results[0], start)
    assert torch.equal(results[1], results[0]) and torch.equal(results[2], results[0])  # the same sums in the same order


def test_frequent_row_updates_are_capped():
    """A row hit k > MAX_SUMMED_UPDATES times in one batch gets cap/k of the summed step."""
    targets = torch.tensor([0] * 30 + [1] * 3)
    negatives = torch.tensor([0, 0, 2])
    target_share, negative_share = capped_shares(3, targets, negatives, cap=8)
    # row 0 is hit 32 times in all: each hit counts 8/32, so the sum is 8 updates' worth
    assert target_share[:30].tolist() == [0.25] * 30 and negative_share[:2].tolist() == [0.25] * 2
    assert target_share[30:].tolist() == [1.0] * 3  # under the cap: exact
    assert negative_share[2].item() == 1.0


def test_a_rows_total_is_summed_in_a_scratch_vector_whatever_it_held_before():
    generator = torch.Generator().manual_seed(0)
    for nrows in (5, 1000, 5):  # the second call of a size reuses the first's vector, garbage and all
        index = torch.randint(nrows, (300,), generator=generator)
        values = torch.rand(300, generator=generator)
        expected = torch.zeros(nrows).index_add_(0, index, values).index_select(0, index)
        assert torch.equal(totals_at(index, values, nrows), expected)
    ones = torch.ones(4, dtype=torch.float64)
    assert totals_at(torch.tensor([2, 2, 0, 2]), ones, 3).tolist() == [3.0, 3.0, 1.0, 3.0]  # another dtype


def test_distinct_words_group_the_occurrences_and_sum_their_gradients():
    """Each distinct word is one bag, its rows gathered once; a bag's gradient is the sum of its occurrences'
    (occurrence i's taken from ``grad[grad_index[i]]``, as a CBOW context takes its centre's)."""
    offsets = torch.tensor([0, 1, 3, 4])
    rows = torch.tensor([0, 1, 5, 2])
    words = torch.tensor([2, 1, 2, 2, 0])
    bags = distinct_words(words, offsets, rows)
    assert bags.counts.tolist() == [1, 1, 3] and bags.inverse.tolist() == [2, 1, 2, 2, 0]
    assert bags.flat_rows.tolist() == [0, 1, 5, 2] and bags.bag_lengths.tolist() == [1, 2, 1]
    assert words[bags.order].tolist() == [0, 1, 2, 2, 2]
    grad = torch.tensor([[1.0], [10.0], [100.0]])
    grad_index = torch.tensor([0, 1, 1, 2, 0])
    assert bag_gradients(bags, grad, grad_index).view(-1).tolist() == [1.0, 10.0, 111.0]
    assert bag_gradients(bags, grad[grad_index]).view(-1).tolist() == [1.0, 10.0, 111.0]


@pytest.mark.parametrize("step", [skipgram_step, cbow_step])
def test_an_input_word_repeated_in_a_minibatch_moves_by_at_most_the_cap(step):
    """k identical predictions from word 0 (the centre in skip-gram, the context in CBOW) move its rows by
    min(k, limit) times the step of one: a word repeated all through one long document must not take dozens of
    stale steps at once. Skip-gram: limit = MAX_SUMMED_UPDATES. CBOW: each row takes CBOW_ROW_GAIN / n of the
    word's step and is capped at MAX_SUMMED_UPDATES occurrences' worth, so word 0's rows (n = 3) take at most
    MAX_SUMMED_UPDATES * 3 / CBOW_ROW_GAIN = 3 occurrences' worth."""

    def input_step(k: int) -> torch.Tensor:
        input_matrix, output_matrix, offsets, rows, _ = _toy_matrices()
        before = input_matrix.clone()
        inputs, outputs = torch.zeros(k, dtype=torch.int64), torch.ones(k, dtype=torch.int64)
        centres, contexts = (inputs, outputs) if step is skipgram_step else (outputs, inputs)
        batch = Batch(centres, torch.arange(k), contexts, torch.full((k, 2), 2), 0.1, 2)
        step(Parameters(input_matrix, output_matrix, offsets, rows), batch)
        return input_matrix - before

    cap = MAX_SUMMED_UPDATES
    limit = cap if step is skipgram_step else round(cap * 3 / CBOW_ROW_GAIN)
    one = input_step(1)
    assert one[[0, 3, 4]].abs().min() > 0
    for k in (2, limit, limit + 1, 4 * cap):
        assert torch.allclose(input_step(k), min(k, limit) * one, atol=1e-6), k


def test_skipgram_step_loss_falls_in_a_small_loop(topic_corpus):
    corpus = encode_corpus(str(topic_corpus), min_count=1)
    scheme = SubwordScheme.create("syllable", bucket=5000)
    offsets, rows = subword_table(corpus.vocab.words, scheme)
    nwords, dim = len(corpus.vocab), 16
    generator = torch.Generator().manual_seed(0)
    input_matrix = (torch.rand(nwords + scheme.bucket, dim, generator=generator) * 2 - 1) / dim
    output_matrix = torch.zeros(nwords, dim)
    table = torch.from_numpy(corpus.vocab.negative_table(size=10_000)).long()
    tokens = torch.from_numpy(corpus.tokens.astype(np.int64))
    line_of = torch.from_numpy(np.repeat(np.arange(len(corpus.line_starts) - 1), np.diff(corpus.line_starts)))
    offsets_t, rows_t = torch.from_numpy(offsets), torch.from_numpy(rows.astype(np.int64))

    losses = []
    for _ in range(150):
        positions = torch.randint(0, len(tokens), (32,), generator=generator)
        context = positions.unsqueeze(1) + torch.tensor([-2, -1, 1, 2])
        valid = (context >= 0) & (context < len(tokens))
        context = context.clamp(0, len(tokens) - 1)
        valid &= line_of[context] == line_of[positions].unsqueeze(1)
        pair_centre, slot = torch.nonzero(valid, as_tuple=True)
        pair_context = tokens[context[pair_centre, slot]]
        negatives = table[torch.randint(len(table), (len(positions), 5), generator=generator)]
        loss = skipgram_step(
            Parameters(input_matrix, output_matrix, offsets_t, rows_t),
            Batch(tokens[positions], pair_centre, pair_context, negatives, 0.025, negatives.shape[1]),
        )
        losses.append(float(loss) / len(pair_centre))
    assert np.all(np.isfinite(losses))
    first, last = np.mean(losses[:10]), np.mean(losses[-10:])
    # zero output rows: every score is 0, so each pair costs log 2 for its target
    # and 5 * log 2 for its centre's negatives (shared, weighted by the pair count)
    assert losses[0] == pytest.approx(6 * np.log(2), rel=1e-5)
    assert last < 0.75 * first


# -- the trainer ------------------------------------------------------------------------
@pytest.mark.parametrize("subwords", ["syllable", "jamo", "hybrid", "none"])
def test_training_learns_the_two_topics(topic_corpus, recorded_losses, subwords):
    model = kft.train(str(topic_corpus), subwords=subwords, epoch=5, sample=0, seed=0, **TINY)
    assert sorted(model.words) == sorted(FOOD + WEATHER)
    assert np.all(np.isfinite(model.input_matrix))
    assert len(recorded_losses) >= 10
    assert np.mean(recorded_losses[-3:]) < 0.8 * np.mean(recorded_losses[:3])
    assert topic_precision(model) >= 0.8
    assert model.config["subwords"] == subwords and model.config["dim"] == 16


def test_skipgram_draws_negatives_for_groups_of_centres_and_records_it(topic_corpus, monkeypatch):
    seen = []
    draw = loop._draw_batch

    def recording_draw(plan, kept, positions, lr, generator):
        batch = draw(plan, kept, positions, lr, generator)
        if batch is not None:
            seen.append((len(batch.centres), batch.negatives.shape))
        return batch

    monkeypatch.setattr(loop, "_draw_batch", recording_draw)
    model = kft.train(str(topic_corpus), epoch=1, sample=0, seed=0, neg=5, **TINY)
    assert model.config["negative_draw"] == [8, 6]
    assert seen and all(shape == (-(-centres // 8), 30) for centres, shape in seen)


def test_training_holds_the_ngram_rows_in_order_of_first_use_and_the_model_gets_them_back(topic_corpus, monkeypatch):
    """`loop.hot_first_layout`: the training matrix numbers n-gram rows in the order the vocabulary (most frequent
    word first) first uses them, not in bucket order; the model's vectors are still the sums training composed."""
    seen = []

    def recording_step(parameters, batch):
        seen.append(parameters)
        return skipgram_step(parameters, batch)

    monkeypatch.setattr(loop, "skipgram_step", recording_step)
    model = kft.train(str(topic_corpus), subwords="jamo", epoch=1, seed=0, **TINY)
    parameters = seen[-1]
    offsets, rows = parameters.subword_offsets.numpy(), parameters.subword_rows.numpy()
    words = len(model.words)
    ngram_rows = rows[: offsets[words]][rows[: offsets[words]] >= words]
    _, first_use = np.unique(ngram_rows, return_index=True)
    assert np.array_equal(ngram_rows[np.sort(first_use)], np.arange(words, words + len(first_use)))
    assert not np.array_equal(rows[: offsets[words]], model.subword_rows)  # the model's are in bucket order
    trained = parameters.input_matrix.numpy()
    for index, word in enumerate(model.words):
        composed = trained[rows[offsets[index] : offsets[index + 1]]].sum(0)
        np.testing.assert_allclose(model.get_word_vector(word), composed, rtol=1e-5, atol=1e-6)


def test_a_checkpoint_resumes_into_the_training_layout(topic_corpus, tmp_path):
    """A checkpoint stores the model's order; resuming puts the rows back where training holds them, so that a
    run resumed at its last chunk ends with the checkpoint's own vectors."""
    checkpoint = tmp_path / "m.checkpoint"
    first = kft.train(str(topic_corpus), subwords="jamo", epoch=1, seed=0, **TINY)
    state = {"nchunks": 1, "completed_chunks": [0], "progress": 1.0}
    first.config["checkpoint"] = state
    first.save(str(checkpoint))
    resumed = kft.train(str(topic_corpus), checkpoint=str(checkpoint), resume=True, **TINY)
    np.testing.assert_array_equal(resumed.input_matrix, first.input_matrix)


def test_every_line_ends_with_the_end_of_line_token_of_its_own_line():
    """fastText's </s>: after the last word of every line, in the line's window, whatever chunk holds it."""
    plan = loop._Plan.__new__(loop._Plan)
    plan.tokens = torch.tensor([5, 6, 7, 8, 9, 10, 11], dtype=torch.int32)
    plan.line_starts = torch.tensor([0, 3, 5, 7])  # lines 5 6 7 | 8 9 | 10 11
    plan.end_of_line, plan.keep_probability = 99, torch.ones(100)
    expected = {
        (0, 7): ([5, 6, 7, 99, 8, 9, 99, 10, 11, 99], [1, 1, 1, 1, 2, 2, 2, 3, 3, 3]),
        (1, 4): ([6, 7, 99, 8], [1, 1, 1, 2]),  # a chunk ending inside a line has no </s> for it
        (5, 6): ([10], [3]),
    }
    for (low, high), (tokens, lines) in expected.items():
        chunk = KeptTokens(plan, low, high, torch.Generator().manual_seed(0))
        assert chunk.tokens.tolist() == tokens and chunk.lines.tolist() == lines
    plan.keep_probability[99] = 0.0  # subsampled like any word
    assert 99 not in KeptTokens(plan, 0, 7, torch.Generator().manual_seed(0)).tokens.tolist()


def test_the_end_of_line_token_trains_but_is_no_word_of_the_model(topic_corpus, monkeypatch):
    seen = []

    def recording_step(parameters, batch):
        seen.append((parameters.input_matrix.shape[0], parameters.output_matrix.shape[0], batch.pair_context.clone()))
        return skipgram_step(parameters, batch)

    monkeypatch.setattr(loop, "skipgram_step", recording_step)
    model = kft.train(str(topic_corpus), subwords="syllable", epoch=1, sample=0, seed=0, **TINY)
    words = len(model.words)
    assert model.config["end_of_line_token"] is True and "</s>" not in model.words
    assert model.output_matrix.shape[0] == words and model.input_matrix.shape[0] == words + len(model.used_buckets)
    assert all((inputs, outputs) == (model.input_matrix.shape[0] + 1, words + 1) for inputs, outputs, _ in seen)
    assert any((contexts == words).any() for _, _, contexts in seen)  # </s> is a context word


def test_cbow_learns_the_two_topics(topic_corpus):
    model = kft.train(str(topic_corpus), subwords="jamo", model="cbow", epoch=5, sample=0, seed=0, **TINY)
    assert model.config["model"] == "cbow"
    assert model.config["negative_draw"] == [8, 3]  # 8 CBOW centres share a draw of 3 x neg
    assert topic_precision(model) >= 0.8


def test_training_at_the_default_learning_rate_does_not_diverge(topic_corpus, recorded_losses):
    """fastText's default lr (0.05) on a small vocabulary with subsampling off:
    the real fastText trains this corpus without trouble. Summing a whole
    minibatch of stale updates into the same few rows must not blow up to
    inf / NaN vectors."""
    model = kft.train(str(topic_corpus), subwords="syllable", epoch=5, sample=0, seed=0, **TINY)
    assert model.config["lr"] == 0.05
    assert np.all(np.isfinite(recorded_losses)), f"loss per pair: {recorded_losses}"
    assert np.all(np.isfinite(model.input_matrix)) and np.all(np.isfinite(model.output_matrix))
    assert np.mean(recorded_losses[-3:]) < np.mean(recorded_losses[:3]), f"loss per pair: {recorded_losses}"
    assert topic_precision(model) >= 0.8


def test_a_worker_frees_its_scratch_before_it_reports_that_it_has_finished(topic_corpus, monkeypatch):
    """`steps.release_scratch`: freed in the worker thread's own teardown, after the main thread went on, the
    scratch tensors aborted the process at exit with the machine busy (exit status 134)."""
    from kofasttext.training import steps

    held = []
    finished = loop.WorkQueue.worker_finished

    def recording(queue):
        held.append(bool(steps._scratch.__dict__.get("buffers")))  # this worker thread's own scratch
        finished(queue)

    monkeypatch.setattr(loop.WorkQueue, "worker_finished", recording)
    kft.train(str(topic_corpus), subwords="syllable", epoch=1, **{**TINY, "threads": 2})
    assert held == [False, False]


def test_a_diverging_run_stops_with_a_clear_error_before_the_loss_overflows(topic_corpus, monkeypatch):
    # A run whose vectors blow up shows a huge but finite loss for a while (1e7 to 1e16 per pair were seen on
    # real corpora before the minibatch fix); it must stop there, not save a useless model.
    batches = []

    def exploding_step(parameters, batch):
        batches.append(1)
        loss = skipgram_step(parameters, batch)
        return loss if len(batches) < 3 else 1e6 * len(batch.pair_centre)

    monkeypatch.setattr(loop, "skipgram_step", exploding_step)
    with pytest.raises(kft.TrainingError, match=r"diverged in epoch 1 \(the loss per pair became 1e\+06\); try a lower --lr"):
        kft.train(str(topic_corpus), subwords="syllable", epoch=5, sample=0, seed=0, **TINY)
    assert len(batches) == 3


def test_a_minibatch_spreads_its_centres_over_many_documents(tmp_path, monkeypatch):
    """A corpus of long lines, each its own little vocabulary (like a table or a hex dump in general prose):
    a minibatch of consecutive centres would come from one or two lines, whose summed stale updates pile onto
    the same rows; the trainer takes centres spread over the chunk instead."""
    lines = []
    for line in range(60):  # word 가X belongs to line X only
        words = [chr(0xAC00 + line) + chr(0xB098 + j) for j in range(20)]
        lines.append(" ".join(words[k % 20] for k in range(400)))
    corpus = tmp_path / "long_lines.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batches = []

    def recording_step(parameters, batch):
        batches.append(batch.centres.clone())  # the centres' word ids
        return skipgram_step(parameters, batch)

    monkeypatch.setattr(loop, "skipgram_step", recording_step)
    model = kft.train(str(corpus), subwords="syllable", epoch=1, seed=0, **TINY)
    line_of_word = np.array([ord(word[0]) - 0xAC00 for word in model.words] + [-1])  # -1: </s>, word len(words)
    lines_per_batch = [len(set(line_of_word[batch.numpy()]) - {-1}) for batch in batches]
    assert len(batches) > 5 and min(lines_per_batch) >= 20, lines_per_batch


@pytest.mark.parametrize("kept, centres, run", [(1000, 64, 1), (1000, 64, 16), (1003, 64, 16), (10, 64, 16), (1000, 50, 16)])
def test_the_minibatches_of_a_chunk_take_every_kept_position_once_in_runs(kept, centres, run):
    """CBOW takes its centres in runs of consecutive positions (`loop.CENTRE_RUNS`), skip-gram one at a time:
    either way every kept position is a centre exactly once an epoch, in minibatches of at most ``centres``."""
    nbatches = minibatch_count(kept, centres, run)
    batches = [minibatch_positions(kept, index, nbatches, run) for index in range(nbatches)]
    assert sorted(torch.cat(batches).tolist()) == list(range(kept))
    assert max(len(batch) for batch in batches) <= max(centres, run)
    for batch in batches:
        for start in range(0, len(batch), run):  # a whole run (the chunk's last may be short)
            piece = batch[start : start + run]
            assert piece[0] % run == 0 and (piece.diff() == 1).all()


def test_same_seed_single_thread_is_bit_identical(topic_corpus):
    options = dict(subwords="jamo", epoch=2, sample=0, **TINY)
    first = kft.train(str(topic_corpus), seed=7, **options)
    second = kft.train(str(topic_corpus), seed=7, **options)
    assert np.array_equal(first.input_matrix, second.input_matrix)
    assert np.array_equal(first.output_matrix, second.output_matrix)
    other = kft.train(str(topic_corpus), seed=8, **options)
    assert not np.array_equal(first.input_matrix, other.input_matrix)  # the seed is used


@pytest.mark.parametrize(
    "bad",
    [
        dict(dim=0),
        dict(dim=-3),
        dict(dim=2.5),
        dict(epoch=0),
        dict(window=0),
        dict(neg=0),
        dict(min_count=0),
        dict(lr=-1),
        dict(lr=0),
        dict(lr=float("nan")),
        dict(lr=float("inf")),
        dict(lr="0.05"),  # a string is refused with one line, not a TypeError deep in training
        dict(lr=True),
        dict(sample=-1e-4),
        dict(sample="1e-4"),
        dict(threads=0),
        dict(subwords="foo"),
        dict(subwords="syllable", minn=5, maxn=3),
        dict(bucket=0),
        dict(device="tpu"),
    ],
)
def test_train_rejects_bad_options(topic_corpus, bad):
    options = {**TINY, **bad}
    with pytest.raises(UsageError):
        kft.train(str(topic_corpus), **options)


def test_cbow_minibatches_are_bounded_by_the_rows_their_words_compose():
    """loop.cbow_batch_centres: CBOW_BATCH_ROWS over the rows per word occurrence (weighted by the words' counts),
    at most MAX_BATCH_CENTRES["cbow"]."""
    budget, largest = loop.CBOW_BATCH_ROWS, loop.MAX_BATCH_CENTRES["cbow"]

    def centres(rows_per_word, counts):
        return loop.cbow_batch_centres(np.cumsum([0, *rows_per_word]), np.array(counts))

    assert centres([24, 24], [5, 7]) == budget // 24
    assert centres([12, 36], [1, 1]) == budget // 24
    assert centres([12, 36], [3, 1]) == budget // 18  # the frequent short word weighs more
    assert centres([1, 2], [1, 1]) == largest
