"""The device loop (kofasttext.training.device_loop): the GPU-native loop, run here on the CPU, where CI covers
its logic: the same pairs and steps as the Hogwild loop, a fixed grid of window slots, every occurrence composed
on its own, the loss read from the device only now and then."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import FOOD, WEATHER

import kofasttext as kft
from kofasttext import UsageError
from kofasttext.training import device_loop, loop
from kofasttext.training.steps import (
    MAX_SUMMED_UPDATES,
    Batch,
    Parameters,
    _update_input,
    bag_gradients,
    cbow_step,
    occurrence_bags,
    skipgram_step,
)

TINY = dict(dim=16, bucket=20_000, min_count=1, threads=1, progress=False, sample=0, seed=0)


def _toy():
    torch.manual_seed(0)
    input_matrix = torch.randn(6, 4) * 0.5
    output_matrix = torch.randn(3, 4) * 0.5
    offsets = torch.tensor([0, 3, 5, 7])  # word 0 = rows 0, 3, 4; word 1 = rows 1, 4; word 2 = rows 2, 5
    rows = torch.tensor([0, 3, 4, 1, 4, 2, 5])
    return input_matrix, output_matrix, offsets, rows


def _run(step, parameters, batch):
    input_matrix, output_matrix, offsets, rows = parameters
    new = Parameters(input_matrix.clone(), output_matrix.clone(), offsets, rows)
    loss = float(step(new, batch))
    return loss, new.input_matrix, new.output_matrix


# -- the step's device-loop inputs --------------------------------------------------
def test_occurrence_bags_compose_every_occurrence_and_pad_to_the_capacity():
    _, _, offsets, rows = _toy()
    words = torch.tensor([1, 0, 1])
    inverse, counts, flat_rows, bag_starts, bag_lengths, order = occurrence_bags(words, offsets, rows, capacity=10)
    assert order is None  # one occurrence per bag
    assert inverse.tolist() == [0, 1, 2]
    assert counts.tolist() == [2, 1, 2, 1]  # word 1 twice; the last bag is the padding
    assert bag_lengths.tolist() == [2, 3, 2, 3] and bag_starts.tolist() == [0, 2, 5, 7]
    assert flat_rows[:7].tolist() == [1, 4, 0, 3, 4, 1, 4] and len(flat_rows) == 10


@pytest.mark.parametrize("step", [skipgram_step, cbow_step])
def test_composing_every_occurrence_moves_the_words_as_composing_each_word_once(step):
    """A word repeated past the cap (MAX_SUMMED_UPDATES) in a minibatch: its occurrences share the cap, so
    per-occurrence bags (the device loop's) give the step of distinct words (the Hogwild loop's)."""
    parameters = _toy()
    repeats = 3 * MAX_SUMMED_UPDATES
    centres = torch.tensor([0] * repeats + [1, 2])
    pair_centre = torch.arange(len(centres))
    pair_context = torch.tensor([1] * repeats + [2, 0])
    negatives = torch.tensor([[2, 1]] * len(centres))
    batch = Batch(centres, pair_centre, pair_context, negatives, 0.1, 2)
    capacity = 3 * repeats + 2 + 2 + 5  # more than the rows needed: the padding must not matter
    once = _run(step, parameters, batch)
    occurrences = _run(step, parameters, batch._replace(row_capacity=capacity))
    assert occurrences[0] == pytest.approx(once[0], rel=1e-6)
    assert torch.allclose(occurrences[1], once[1], atol=1e-6) and torch.allclose(occurrences[2], once[2], atol=1e-6)
    assert not torch.equal(once[1], parameters[0])


def test_a_pair_of_weight_zero_counts_for_nothing():
    """The grid's empty window slots: no loss, no step, and no share of a row's cap."""
    parameters = _toy()
    centres = torch.tensor([0, 1])
    real = Batch(centres, torch.tensor([0, 0, 1]), torch.tensor([1, 2, 0]), torch.tensor([[2, 1]]), 0.1, 2)
    # the same pairs and, in slots of weight 0, pairs that would pile onto output row 0 far past the cap
    padded = real._replace(
        pair_centre=torch.tensor([0, 0, 1] + [0] * 20),
        pair_context=torch.tensor([1, 2, 0] + [0] * 20),
        pair_weight=torch.tensor([1.0, 1.0, 1.0] + [0.0] * 20),
    )
    expected, got = _run(skipgram_step, parameters, real), _run(skipgram_step, parameters, padded)
    assert got[0] == pytest.approx(expected[0], rel=1e-6)
    assert torch.allclose(got[1], expected[1], atol=1e-7) and torch.allclose(got[2], expected[2], atol=1e-7)


def test_a_row_that_many_words_share_moves_by_at_most_the_cap_with_cap_shared_rows():
    """The device loop's large minibatches: words that share an n-gram row each give it 1 / n of their step;
    past MAX_SUMMED_UPDATES words' worth the row's summed step is scaled down to that (here 2 rows a word)."""
    cap = MAX_SUMMED_UPDATES
    nwords = 4 * cap
    input_matrix = torch.zeros(nwords + 1, 2)
    offsets = torch.arange(0, 2 * nwords + 1, 2)
    rows = torch.stack([torch.arange(nwords), torch.full((nwords,), nwords)], 1).reshape(-1)  # own row + row nwords
    words = torch.arange(nwords)
    grad = torch.ones(nwords, 2)

    def shared_row_step(k: int, cap_shared_rows: bool) -> torch.Tensor:
        moved = input_matrix.clone()
        bags = occurrence_bags(words[:k], offsets, rows, capacity=2 * k)
        _update_input(moved, bags, bag_gradients(bags, grad[:k]), cap_shared_rows=cap_shared_rows)
        return moved[nwords]

    # each word gives the shared row half its step: 2 * cap words are cap words' worth
    assert torch.allclose(shared_row_step(2 * cap, True), torch.full((2,), cap / 2 * 2.0))
    assert torch.allclose(shared_row_step(4 * cap, True), torch.full((2,), cap / 2 * 2.0))  # capped
    assert torch.allclose(shared_row_step(4 * cap, False), torch.full((2,), 4 * cap / 2.0))  # not capped
    assert torch.allclose(shared_row_step(cap, True), shared_row_step(cap, False))  # below the cap: unchanged


# -- the loop --------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_the_device_loop_trains_what_the_hogwild_loop_trains(topic_corpus, model, monkeypatch):
    """One chunk, one worker: the same random draws, pairs and weights, so the same vectors up to the order of
    float sums (the grid's empty slots and per-occurrence bags change only how the sums are laid out). The
    Hogwild loop's CBOW takes its centres in runs (`loop.CENTRE_RUNS`), the device loop's one at a time: here
    both take them one at a time."""
    monkeypatch.setattr(loop, "CENTRE_RUNS", dict.fromkeys(loop.CENTRE_RUNS, 1))
    hogwild = kft.train(str(topic_corpus), model=model, loop="hogwild", epoch=3, **TINY)
    device = kft.train(str(topic_corpus), model=model, loop="device", epoch=3, **TINY)
    assert hogwild.config["loop"] == {"name": "hogwild", "batch_centres": 16}
    assert device.config["loop"] == {"name": "device", "batch_centres": 16}
    assert np.abs(np.asarray(hogwild.input_matrix)).max() > 0.01
    np.testing.assert_allclose(device.input_matrix, hogwild.input_matrix, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(device.output_matrix, hogwild.output_matrix, rtol=1e-4, atol=1e-5)


def test_the_device_loop_learns_the_two_topics_at_a_large_batch(topic_corpus):
    model = kft.train(str(topic_corpus), loop="device", batch_size=4096, epoch=10, **TINY)
    assert model.config["loop"]["batch_centres"] == 16  # a small corpus still gets >= 256 minibatches an epoch
    hits = total = 0
    for word in FOOD + WEATHER:
        own = FOOD if word in FOOD else WEATHER
        hits += sum(w in own for w, _ in model.most_similar(word, topn=5))
        total += 5
    assert hits / total >= 0.8


def test_the_device_loop_is_bit_identical_with_a_seed(topic_corpus):
    first = kft.train(str(topic_corpus), loop="device", epoch=2, **TINY)
    second = kft.train(str(topic_corpus), loop="device", epoch=2, **TINY)
    assert np.array_equal(first.input_matrix, second.input_matrix)
    assert np.array_equal(first.output_matrix, second.output_matrix)
    other = kft.train(str(topic_corpus), loop="device", epoch=2, **{**TINY, "seed": 1})
    assert not np.array_equal(first.input_matrix, other.input_matrix)


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_the_row_capacity_holds_every_minibatch_of_a_chunk(topic_corpus, model, monkeypatch):
    """Every minibatch's input rows fit the capacity computed for its chunk (occurrence_bags pads to it)."""
    needed, capacities = [], []
    original = device_loop.row_capacity

    def recording_capacity(plan, kept, nbatches):
        capacity = original(plan, kept, nbatches)
        capacities.append(capacity)
        offsets = plan.parameters.subword_offsets
        for index in range(nbatches):
            batch = device_loop.draw_grid_batch(plan, kept, index, nbatches, 0.0, torch.Generator(), capacity)
            inputs = batch.centres if model == "skipgram" else batch.pair_context
            needed.append((int((offsets[inputs + 1] - offsets[inputs]).sum()), capacity))
        return capacity

    monkeypatch.setattr(device_loop, "row_capacity", recording_capacity)
    kft.train(str(topic_corpus), model=model, loop="device", epoch=1, subwords="jamo", **TINY)
    assert needed and all(rows <= capacity for rows, capacity in needed)
    # the bound is tight for skip-gram: some minibatch needs exactly the capacity
    assert model == "cbow" or any(rows == capacity for rows, capacity in needed)


def test_the_device_loop_reads_the_loss_only_every_few_hundred_minibatches(topic_corpus, monkeypatch):
    """The host reads the device's running sums once per READ_EVERY minibatches and at a chunk's end."""
    reads, steps, minibatches_per_chunk = [], [], []
    monkeypatch.setattr(device_loop, "READ_EVERY", 40)
    original_capacity = device_loop.row_capacity

    def recording_capacity(plan, kept, nbatches):
        minibatches_per_chunk.append(nbatches)
        return original_capacity(plan, kept, nbatches)

    original_tolist = torch.Tensor.tolist

    def counting_tolist(tensor):
        reads.append(tensor.numel())
        return original_tolist(tensor)

    def counting_step(parameters, batch):
        steps.append(1)
        return skipgram_step(parameters, batch)

    monkeypatch.setattr(torch.Tensor, "tolist", counting_tolist)
    monkeypatch.setattr(loop, "skipgram_step", counting_step)
    monkeypatch.setattr(device_loop, "row_capacity", recording_capacity)
    kft.train(str(topic_corpus), loop="device", epoch=2, **TINY)
    assert len(minibatches_per_chunk) == 2 and sum(minibatches_per_chunk) == len(steps) > 300
    # [loss, pairs, worst] in one read, every 40 minibatches and at the end of each chunk
    assert reads.count(3) == sum(-(-n // 40) for n in minibatches_per_chunk) < len(steps) / 30


def test_a_diverging_device_run_stops_with_the_hogwild_message(topic_corpus, monkeypatch):
    def exploding_step(parameters, batch):
        return skipgram_step(parameters, batch) * 0 + 1e6 * batch.pair_weight.sum()

    monkeypatch.setattr(loop, "skipgram_step", exploding_step)
    with pytest.raises(kft.TrainingError, match=r"diverged in epoch 1 \(the loss per pair became 1e\+06\); try a lower --lr"):
        kft.train(str(topic_corpus), loop="device", epoch=2, **TINY)


@pytest.mark.parametrize("bad", [dict(loop="gpu"), dict(batch_size=0), dict(batch_size=2.5)])
def test_train_rejects_a_bad_loop_or_batch_size(topic_corpus, bad):
    with pytest.raises(UsageError):
        kft.train(str(topic_corpus), **{**TINY, **bad})


def test_the_command_line_trains_with_the_device_loop_and_rejects_an_unknown_loop(topic_corpus, tmp_path, cli):
    out = tmp_path / "device.kft"
    options = ["--dim", "16", "--bucket", "20000", "--min-count", "1", "--threads", "1", "--epoch", "2", "--quiet"]
    result = cli("train", topic_corpus, "-o", out, "--loop", "device", "--batch-size", "8", *options)
    assert result.returncode == 0, result.stderr
    assert kft.load(str(out)).config["loop"] == {"name": "device", "batch_centres": 8}
    bad = cli("train", topic_corpus, "-o", tmp_path / "bad.kft", "--loop", "gpu", *options)
    assert bad.returncode == 2 and "--loop" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "bad.kft").exists()
    assert "hogwild" in cli("train", "--help").stdout  # the choices and defaults are shown
