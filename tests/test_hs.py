"""Hierarchical softmax (``--loss hs``): the Huffman tree (kofasttext.training.huffman), the step along a
target's path (kofasttext.training.steps), training, the command line, checkpoints and the fastText export."""

from __future__ import annotations

import heapq
import math
import os

import fasttext  # the interop extra, as in tests/test_interop.py
import numpy as np
import pytest
import torch
from conftest import FOOD, WEATHER, _write, topic_lines
from test_checkpoints import stop_half_way
from test_cli import TINY as CLI_TINY
from test_cli import assert_nothing_written, assert_one_line_error
from test_training import TINY, topic_precision

import kofasttext as kft
from kofasttext import CorpusError, UsageError
from kofasttext.interop.fasttext_bin import EOS, read_fasttext
from kofasttext.training import loop
from kofasttext.training.huffman import build_huffman_tree
from kofasttext.training.steps import (
    CBOW_ROW_GAIN,
    MAX_NODE_SCORE_STEP,
    MAX_SUMMED_UPDATES,
    Batch,
    Parameters,
    TreePaths,
    cbow_step,
    node_trust,
    skipgram_step,
)


# -- the tree ----------------------------------------------------------------------------
def test_the_tree_of_a_hand_worked_example():
    """Counts 5, 3, 2, 1. Merges, fastText's way: d(1) + c(2) -> node 0 (3); node 0 (3) + b(3) -> node 1 (6), the
    inner node first on the tie; a(5) + node 1 (6) -> node 2 (11), the root. The second node a merge takes is
    coded 1. Root first, the codes read a 0, b 11, c 101, d 100."""
    tree = build_huffman_tree([5, 3, 2, 1])
    assert tree.inner_nodes == 3
    assert tree.lengths.tolist() == [1, 2, 3, 3]
    paths = [tree.paths[w, : tree.lengths[w]].tolist() for w in range(4)]
    codes = [tree.codes[w, : tree.lengths[w]].tolist() for w in range(4)]
    assert paths == [[2], [1, 2], [0, 1, 2], [0, 1, 2]]  # the leaf's parent first, the root last
    assert codes == [[0], [1, 1], [1, 0, 1], [0, 0, 1]]
    assert tree.paths.shape == tree.codes.shape == (4, 3)
    assert tree.paths[0, 1:].tolist() == [0, 0] and tree.codes[0, 1:].tolist() == [0, 0]  # padding


def test_the_tree_does_not_depend_on_the_order_of_the_counts():
    """The leaves are sorted by count first: words in another order get the same paths, by word."""
    counts = np.array([2, 5, 1, 3])  # words c, a, d, b of the example above
    tree, sorted_tree = build_huffman_tree(counts), build_huffman_tree([5, 3, 2, 1])
    where = [2, 0, 3, 1]  # each word's place in the sorted example
    assert np.array_equal(tree.paths, sorted_tree.paths[where])
    assert np.array_equal(tree.codes, sorted_tree.codes[where])
    assert np.array_equal(tree.lengths, sorted_tree.lengths[where])


def _huffman_cost(counts) -> int:
    """The least sum of count x code length any binary code can have: the sum of Huffman's merged counts."""
    heap = [int(c) for c in counts]
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    return cost


@pytest.mark.parametrize("seed", range(6))
def test_every_tree_is_an_optimal_prefix_code_over_one_binary_tree(seed):
    rng = np.random.default_rng(seed)
    words = int(rng.integers(2, 300))
    counts = rng.zipf(1.5, words) if seed % 2 else rng.integers(1, 6, words)  # seeds 0, 2, 4: many equal counts
    tree = build_huffman_tree(counts)
    lengths = tree.lengths
    codes = ["".join(map(str, tree.codes[w, : lengths[w]][::-1])) for w in range(words)]  # root first
    assert len(set(codes)) == words
    assert not any(a != b and b.startswith(a) for a in codes for b in codes)  # prefix-free
    assert sum(2.0 ** -len(code) for code in codes) == pytest.approx(1.0)  # Kraft: a full binary tree
    assert int((counts * lengths).sum()) == _huffman_cost(counts)  # as short as a code can be
    # A more frequent word never has a longer code.
    order = np.argsort(-counts, kind="stable")
    assert np.all(np.diff(lengths[order]) >= 0)
    # The paths describe one tree: V - 1 inner nodes, each with one parent, the root V - 2 at every path's end.
    parent = {}
    for w in range(words):
        path = tree.paths[w, : lengths[w]].tolist()
        assert path[-1] == words - 2
        for child, above in zip(path, path[1:]):
            assert parent.setdefault(child, above) == above
    on_path = np.arange(tree.paths.shape[1]) < lengths[:, None]
    assert set(np.unique(tree.paths[on_path]).tolist()) == set(range(words - 1))
    assert tree.paths.shape[1] == lengths.max() <= words - 1


def test_depth_bounds():
    """Counts within a factor of two of each other make a balanced tree (depth floor or ceil of log2 V); equal
    counts of a power of two a perfect one; Fibonacci counts the deepest there is, V - 1 (the arrays pad to it)."""
    balanced = build_huffman_tree(np.arange(100, 190))
    assert set(balanced.lengths.tolist()) <= {math.floor(math.log2(90)), math.ceil(math.log2(90))}
    assert build_huffman_tree([7] * 16).lengths.tolist() == [4] * 16
    fibonacci = [1, 1]
    while len(fibonacci) < 12:
        fibonacci.append(fibonacci[-1] + fibonacci[-2])
    deep = build_huffman_tree(fibonacci[::-1])
    assert deep.lengths.max() == 11 and deep.lengths.min() == 1 and deep.paths.shape == (12, 11)


def test_one_word_has_no_inner_node_and_no_path():
    tree = build_huffman_tree([9])
    assert tree.inner_nodes == 0 and tree.lengths.tolist() == [0] and tree.paths.shape == (1, 0)
    with pytest.raises(ValueError):
        build_huffman_tree([])


# -- the step ------------------------------------------------------------------------------
COUNTS = [5, 3, 2, 1]  # the hand-worked tree: word 0 path [2], word 3 path [0, 1, 2]
BAGS = [[0, 4], [1, 4, 5], [2], [3, 6]]  # each word's input rows (row 4 shared by words 0 and 1)


def _toy(seed: int = 0):
    """float64 matrices: 7 input rows, 3 output rows (the tree's inner nodes), and the tables of `BAGS`."""
    generator = torch.Generator().manual_seed(seed)
    input_matrix = torch.randn(7, 5, generator=generator, dtype=torch.float64) * 0.5
    output_matrix = torch.randn(3, 5, generator=generator, dtype=torch.float64) * 0.5
    offsets = torch.tensor([0, 2, 5, 6, 8])
    rows = torch.tensor([row for bag in BAGS for row in bag])
    tree = TreePaths.from_tree(build_huffman_tree(COUNTS))
    tree = tree._replace(codes=tree.codes.double())  # the step's arithmetic in float64, as the reference's
    return input_matrix, output_matrix, Parameters(input_matrix.clone(), output_matrix.clone(), offsets, rows, tree)


def _path(word: int) -> list[tuple[int, int]]:
    tree = build_huffman_tree(COUNTS)
    return [(int(n), int(c)) for n, c in zip(tree.paths[word, : tree.lengths[word]], tree.codes[word, : tree.lengths[word]])]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _predict_plainly(input_vector, output_matrix, target, lr, output_step):
    """One prediction of ``target`` by ``input_vector``, node after node of its path, all from the same rows:
    returns (loss, the input vector's step), adds each node's step to ``output_step``."""
    loss, input_step = 0.0, torch.zeros_like(input_vector)
    for node, code in _path(target):
        score = float(input_vector @ output_matrix[node])
        loss -= math.log(_sigmoid(score) if code == 1 else 1.0 - _sigmoid(score))  # fastText: the label is the code
        g = lr * (code - _sigmoid(score))
        input_step += g * output_matrix[node]
        output_step[node] += g * input_vector
    return loss, input_step


def test_a_skipgram_hs_step_is_the_sum_of_its_pairs_predictions_along_their_paths():
    input_matrix, output_matrix, parameters = _toy()
    lr = 0.1
    centres = [0, 2, 1]
    pairs = [(0, 1), (0, 3), (1, 0), (2, 3), (2, 2)]  # (index into centres, context word)
    expected_loss, output_step = 0.0, torch.zeros_like(output_matrix)
    word_step = {w: torch.zeros(5, dtype=torch.float64) for w in range(4)}
    for index, context in pairs:
        centre = centres[index]
        loss, step = _predict_plainly(input_matrix[BAGS[centre]].sum(0), output_matrix, context, lr, output_step)
        expected_loss += loss
        word_step[centre] += step
    expected_input = input_matrix.clone()
    for word, step in word_step.items():
        expected_input[BAGS[word]] += step / len(BAGS[word])  # a word's step, split over its rows

    batch = Batch(torch.tensor(centres), torch.tensor([i for i, _ in pairs]), torch.tensor([c for _, c in pairs]), None, lr, 5)
    loss = skipgram_step(parameters, batch)
    assert float(loss) == pytest.approx(expected_loss, rel=1e-12)
    assert torch.allclose(parameters.output_matrix, output_matrix + output_step, atol=1e-12)
    assert torch.allclose(parameters.input_matrix, expected_input, atol=1e-12)
    assert not torch.equal(parameters.output_matrix, output_matrix)


def test_a_cbow_hs_step_predicts_each_centre_from_the_mean_of_its_context():
    """CBOW: the mean of the context vectors predicts the centre along its path; every context word then moves
    by the full step of the mean (word2vec's CBOW, as with negative sampling), each row CBOW_ROW_GAIN / n of it
    (no row here takes past MAX_SUMMED_UPDATES occurrences' worth)."""
    input_matrix, output_matrix, parameters = _toy(1)
    lr = 0.1
    centres = [0, 3]
    pairs = [(0, 1), (0, 2), (1, 0)]  # centre 0 has contexts 1 and 2, centre 3 has context 0
    expected_loss, output_step = 0.0, torch.zeros_like(output_matrix)
    expected_input = input_matrix.clone()
    for index, centre in enumerate(centres):
        contexts = [c for i, c in pairs if i == index]
        mean = torch.stack([input_matrix[BAGS[c]].sum(0) for c in contexts]).mean(0)
        loss, step = _predict_plainly(mean, output_matrix, centre, lr, output_step)
        expected_loss += loss
        for context in contexts:
            expected_input[BAGS[context]] += CBOW_ROW_GAIN * step / len(BAGS[context])

    batch = Batch(torch.tensor(centres), torch.tensor([i for i, _ in pairs]), torch.tensor([c for _, c in pairs]), None, lr, 5)
    loss = cbow_step(parameters, batch)
    assert float(loss) == pytest.approx(expected_loss, rel=1e-12)
    assert torch.allclose(parameters.output_matrix, output_matrix + output_step, atol=1e-12)
    assert torch.allclose(parameters.input_matrix, expected_input, atol=1e-12)


@pytest.mark.parametrize("step", [skipgram_step, cbow_step])
def test_the_device_loops_padded_paths_step_as_the_ragged_ones_do(step):
    """The device loop's grid (pair_weight given) pads every path to the deepest; the padding counts for nothing,
    and neither does a skip-gram pair of weight 0 (a CBOW slot of weight 0 holds the empty word, no test here)."""
    centres = torch.tensor([0, 2, 1])
    pair_centre, pair_context = torch.tensor([0, 0, 1, 2]), torch.tensor([1, 3, 0, 3])
    _, _, ragged = _toy(2)
    ragged_loss = step(ragged, Batch(centres, pair_centre, pair_context, None, 0.1, 5))
    _, _, padded = _toy(2)
    weight = [1.0, 1.0, 1.0, 1.0]
    if step is skipgram_step:  # one more pair, of weight 0
        pair_centre, pair_context = torch.cat([pair_centre, torch.tensor([1])]), torch.cat([pair_context, torch.tensor([2])])
        weight.append(0.0)
    grid = Batch(
        centres, pair_centre, pair_context, None, 0.1, 5, pair_weight=torch.tensor(weight),  # float32, as the loop's
        row_capacity=6 if step is skipgram_step else 9,  # the rows the step composes: the centres', or the contexts'
    )  # fmt: skip
    padded_loss = step(padded, grid)
    assert float(padded_loss) == pytest.approx(float(ragged_loss), rel=1e-12)
    assert torch.allclose(padded.output_matrix, ragged.output_matrix, atol=1e-12)
    assert torch.allclose(padded.input_matrix, ragged.input_matrix, atol=1e-12)


def test_a_node_on_many_paths_of_a_minibatch_takes_at_most_the_cap_of_steps():
    """The root lies on every path: k predictions through it move it by min(k, MAX_SUMMED_UPDATES) times one."""

    def output_step(k: int) -> torch.Tensor:
        _, output_matrix, parameters = _toy(3)
        batch = Batch(torch.arange(k) % 3, torch.arange(k), torch.full((k,), 3), None, 0.1, 5)
        skipgram_step(parameters, batch)
        return parameters.output_matrix - output_matrix

    # k centres 0, 1, 2, 0, ... each predicting word 3 (path 0, 1, 2): k // 3 of each, so k a multiple of 3
    three = output_step(3)
    assert three.abs().min() > 0
    assert torch.allclose(output_step(6), 2 * three, atol=1e-12)
    cap = MAX_SUMMED_UPDATES
    assert torch.allclose(output_step(12 * cap), three * cap / 3, atol=1e-12)


def test_a_nodes_summed_step_moves_a_score_by_at_most_the_trust_bound():
    """Node 0 is predicted 3 times from one large input: lr * sum |h|^2 = 0.5 * 3 * 9 = 13.5 would move their
    score by up to 13.5, so each prediction's share is scaled by MAX_NODE_SCORE_STEP / 13.5. Node 1, predicted
    once from a small input, and a node whose predictions are already capped to a small share keep their step."""
    inputs = torch.tensor([[3.0, 0.0], [0.1, 0.0]])
    node_input = torch.tensor([0, 0, 0, 1, 0])
    nodes = torch.tensor([0, 0, 0, 1, 2])
    share = torch.tensor([1.0, 1.0, 1.0, 1.0, 0.05])
    trust = node_trust(3, nodes, inputs, node_input, share, lr=0.5)
    assert trust[:3].tolist() == pytest.approx([MAX_NODE_SCORE_STEP / 13.5] * 3)
    assert trust[3:].tolist() == [1.0, 1.0]  # 0.5 * 0.01 and 0.5 * 0.05 * 9 are under the bound
    assert 0.5 * float((share * trust)[:3].sum()) * 9 == pytest.approx(MAX_NODE_SCORE_STEP)


# -- training ------------------------------------------------------------------------------
@pytest.fixture
def recorded_hs_steps(monkeypatch):
    """(loss, nodes on the targets' paths) of every skip-gram minibatch the trainer runs, in order."""
    seen = []

    def recording_step(parameters, batch):
        lengths = parameters.tree.lengths[batch.pair_context].double()
        nodes = float(lengths.sum() if batch.pair_weight is None else (lengths * batch.pair_weight).sum())
        loss = skipgram_step(parameters, batch)
        seen.append((float(loss), nodes))
        return loss

    monkeypatch.setattr(loop, "skipgram_step", recording_step)
    return seen


@pytest.mark.parametrize("loop_name", ["hogwild", "device"])
def test_skipgram_hs_learns_the_two_topics(topic_corpus, recorded_hs_steps, loop_name):
    model = kft.train(str(topic_corpus), subwords="jamo", loss="hs", loop=loop_name, epoch=5, sample=0, seed=0, **TINY)
    assert model.config["loss"] == "hs" and "negative_draw" not in model.config
    assert model.config["end_of_line_count"] == len(topic_lines())
    # 16 words and </s>: 16 inner nodes, one output row per word of the model, every one of them trained
    assert model.output_matrix.shape == (16, 16) and np.all(np.abs(model.output_matrix).sum(1) > 0)
    first_loss, first_nodes = recorded_hs_steps[0]
    assert first_loss == pytest.approx(first_nodes * math.log(2), rel=1e-5)  # zero output rows: ln 2 per node
    losses = [loss / nodes for loss, nodes in recorded_hs_steps]
    # Within a topic the context is uniform over its 8 words: only the nodes that tell the topics apart can learn.
    assert np.mean(losses[-3:]) < 0.9 * np.mean(losses[:3]), losses
    assert topic_precision(model) >= 0.8


@pytest.mark.parametrize("loop_name", ["hogwild", "device"])
def test_cbow_hs_learns_the_two_topics(topic_corpus, loop_name):
    options = dict(subwords="jamo", model="cbow", loss="hs", loop=loop_name, epoch=5, sample=0, seed=0)
    model = kft.train(str(topic_corpus), **options, **TINY)
    assert model.config["model"] == "cbow" and model.config["loss"] == "hs"
    assert topic_precision(model) >= 0.8


def test_without_the_end_of_line_token_the_output_rows_are_padded_to_one_per_word(topic_corpus, monkeypatch):
    monkeypatch.setattr(loop, "END_OF_LINE", False)
    model = kft.train(str(topic_corpus), subwords="syllable", loss="hs", epoch=2, sample=0, seed=0, **TINY)
    assert model.output_matrix.shape == (16, 16)  # 15 inner nodes and a zero row
    assert np.all(model.output_matrix[15] == 0) and np.all(np.abs(model.output_matrix[:15]).sum(1) > 0)
    assert "end_of_line_count" not in model.config


def test_hs_is_refused_where_it_cannot_work(topic_corpus, monkeypatch):
    with pytest.raises(UsageError, match="unknown loss"):
        kft.train(str(topic_corpus), loss="softmax", **TINY)
    with pytest.raises(UsageError, match="neg does not apply to loss hs"):
        kft.train(str(topic_corpus), loss="hs", neg=10, **TINY)
    monkeypatch.setenv("WORLD_SIZE", "2")  # as torchrun starts a rank; refused before it joins the others
    with pytest.raises(UsageError, match="not for distributed training"):
        kft.train(str(topic_corpus), loss="hs", **TINY)


# -- the command line --------------------------------------------------------------------------
def test_the_cli_trains_with_loss_hs_and_records_it(cli, small_corpus, tmp_path):
    output = tmp_path / "hs.kft"
    result = cli("train", small_corpus, "-o", output, *CLI_TINY, "--loss", "hs", "--quiet")
    assert result.returncode == 0, result.stderr
    model = kft.load(str(output))
    assert model.config["loss"] == "hs"
    assert model.output_matrix.shape == (len(model.words), 16)
    default = tmp_path / "ns.kft"
    assert cli("train", small_corpus, "-o", default, *CLI_TINY, "--quiet").returncode == 0
    assert kft.load(str(default)).config["loss"] == "ns"


@pytest.mark.parametrize(
    "options, exit_code, message",
    [
        (["--loss", "hs", "--model", "glove"], 1, "--loss does not apply to --model glove"),
        (["--loss", "hs", "--neg", "3"], 1, "neg does not apply to loss hs"),
        (["--loss", "softmax"], 2, "invalid choice"),
    ],
)
def test_the_cli_refuses_hs_where_it_cannot_work_in_one_line(cli, small_corpus, tmp_path, options, exit_code, message):
    output = tmp_path / "m.kft"
    result = cli("train", small_corpus, "-o", output, *CLI_TINY, *options)
    assert_one_line_error(result, exit_code=exit_code, contains=message)
    assert_nothing_written(tmp_path, output)


def test_the_cli_refuses_hs_under_torchrun_in_one_line(small_corpus, tmp_path, monkeypatch):
    from conftest import run_cli

    monkeypatch.setenv("WORLD_SIZE", "2")  # what torchrun sets; the refusal comes before any rank meets another
    monkeypatch.setenv("RANK", "0")
    output = tmp_path / "m.kft"
    result = run_cli("train", small_corpus, "-o", output, *CLI_TINY, "--loss", "hs")
    assert_one_line_error(result, exit_code=1, contains="loss hs is not for distributed training")
    assert_nothing_written(tmp_path, output)


# -- checkpoints -------------------------------------------------------------------------------
def test_an_hs_checkpoint_resumes_with_its_tree_nodes_and_learns(tmp_path, monkeypatch):
    corpus = _write(tmp_path / "topics.txt", topic_lines(2000, 8))
    checkpoint = tmp_path / "m.kft.checkpoint"
    options = dict(subwords="syllable", dim=16, bucket=5000, min_count=1, threads=1, progress=False)
    saved = {}

    def record(run):
        saved["rows"] = run.plan.parameters.input_matrix[-1].clone(), run.plan.parameters.output_matrix.clone()

    original_train = stop_half_way(monkeypatch, record)
    train_options = dict(epoch=2, sample=0, checkpoint=str(checkpoint), **options)
    kft.train(str(corpus), loss="hs", **train_options)
    assert kft.load(str(checkpoint)).config["loss"] == "hs"

    def record_start(run, path, every):
        saved["resumed"] = run.plan.parameters.input_matrix[-1].clone(), run.plan.parameters.output_matrix.clone()
        saved["tree"] = run.plan.parameters.tree
        original_train(run, path, every)

    monkeypatch.setattr(loop.TrainingRun, "train", record_start)
    # The options given here are the checkpoint's business: it resumes hierarchical softmax, not ns.
    resumed = kft.train(str(corpus), checkpoint=str(checkpoint), resume=True, progress=False)
    assert saved["tree"] is not None and resumed.config["loss"] == "hs"
    assert torch.equal(saved["resumed"][0], saved["rows"][0])  # </s>'s input row
    assert saved["rows"][1].shape == (16, 16)  # every inner node, the root (the last row) too, where ns keeps </s>
    assert torch.equal(saved["resumed"][1], saved["rows"][1])
    assert topic_precision(resumed) >= 0.8


def test_a_checkpoint_from_before_the_loss_option_resumes_as_negative_sampling(tmp_path, monkeypatch):
    corpus = _write(tmp_path / "topics.txt", topic_lines(400, 6))
    checkpoint = tmp_path / "m.kft.checkpoint"
    original_train = stop_half_way(monkeypatch)
    kft.train(str(corpus), epoch=1, checkpoint=str(checkpoint), **TINY)
    old = kft.load(str(checkpoint))
    del old.config["loss"]
    old.save(str(checkpoint))
    monkeypatch.setattr(loop.TrainingRun, "train", original_train)
    resumed = kft.train(str(corpus), checkpoint=str(checkpoint), resume=True, progress=False)
    assert resumed.config["loss"] == "ns"


def test_an_hs_checkpoint_refuses_a_corpus_whose_counts_differ(tmp_path, monkeypatch):
    """The counts make the tree: the same words with other counts would give the checkpoint's rows other nodes."""
    corpus = _write(tmp_path / "topics.txt", ["김치 김치 김치 라면 라면 비"] * 400)
    checkpoint = tmp_path / "m.kft.checkpoint"
    stop_half_way(monkeypatch)
    kft.train(str(corpus), loss="hs", epoch=1, checkpoint=str(checkpoint), **TINY)
    _write(corpus, ["김치 김치 김치 김치 라면 라면 비"] * 400)  # the same words in the same order, other counts
    with pytest.raises(CorpusError, match="word counts differ"):
        kft.train(str(corpus), checkpoint=str(checkpoint), resume=True, progress=False)


# -- the fastText export ----------------------------------------------------------------------
@pytest.fixture
def hs_model(topic_corpus):
    return kft.train(str(topic_corpus), subwords="syllable", loss="hs", epoch=3, sample=0, seed=0, **TINY)


def test_an_hs_model_exports_as_a_fasttext_hs_model_whose_tree_is_the_trained_one(hs_model, tmp_path):
    path = tmp_path / "hs.bin"
    hs_model.save_fasttext(str(path))
    raw = read_fasttext(str(path))
    assert raw.settings["loss"] == 1  # fastText's loss_name::hs
    # The dictionary: the model's words and </s>, in the tree's leaf order (by count, most frequent first).
    assert sorted(raw.words) == sorted([*hs_model.words, EOS])
    assert raw.counts[raw.words.index(EOS)] == hs_model.config["end_of_line_count"]
    assert np.all(np.diff(raw.counts) <= 0)
    # fastText builds its tree from the file's counts in the file's order: the trained tree, word by word.
    trained = build_huffman_tree([*hs_model.vocab.counts, hs_model.config["end_of_line_count"]])
    rebuilt = build_huffman_tree(raw.counts)
    for position, word in enumerate(raw.words):
        own = len(hs_model.words) if word == EOS else hs_model.vocab.id(word)
        assert np.array_equal(rebuilt.paths[position], trained.paths[own])
        assert np.array_equal(rebuilt.codes[position], trained.codes[own])
    # The output rows are the nodes, then a zero row; fastText reads them so.
    theirs = fasttext.load_model(str(path))
    assert theirs.f.getArgs().loss == fasttext.FastText.loss_name.hs
    output = theirs.get_output_matrix()
    assert output.shape == (len(hs_model.words) + 1, 16)
    assert np.array_equal(output[:-1], hs_model.output_matrix) and not output[-1].any()
    word = FOOD[0]
    rows = len(hs_model.get_subwords(word)[1])
    assert np.allclose(theirs.get_word_vector(word), hs_model.get_word_vector(word) / rows, atol=1e-6)
    assert not theirs.get_word_vector(EOS).any()  # the model keeps no vector for </s>


def test_an_hs_fasttext_file_loads_as_hs_and_writes_back_the_same_bytes(hs_model, tmp_path):
    path, copy = tmp_path / "hs.bin", tmp_path / "copy.bin"
    hs_model.save_fasttext(str(path))
    loaded = kft.load(str(path))
    assert loaded.config["loss"] == "hs" and EOS in loaded.words
    loaded.save_fasttext(str(copy))
    assert copy.read_bytes() == path.read_bytes()
    assert loaded.most_similar(WEATHER[0], topn=1)[0][0] in WEATHER
    assert os.path.getsize(path) > 0
