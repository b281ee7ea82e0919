"""GloVe (`kofasttext.training.glove`) and the co-occurrence counting it shares with PPMI
(`kofasttext.corpus.cooccurrence`): 1/d weights, spilling to disk, the objective and its fit, subwords,
the saved `Model`, the command line."""

from __future__ import annotations

import json
import os
import tempfile

import numpy as np
import pytest
import torch

import kofasttext as kft
from kofasttext.corpus.cooccurrence import cooccurrence_counts
from kofasttext.errors import UsageError
from kofasttext.training.glove import GloveFit, symmetric_entries, train_glove, weight


def _encode(lines: list[list[int]]):
    tokens = np.array([t for line in lines for t in line], dtype=np.int32)
    line_starts = np.concatenate(([0], np.cumsum([len(line) for line in lines])))
    return tokens, line_starts


# -- counting --------------------------------------------------------------------
def test_harmonic_counts_by_hand():
    # line 1: 0 1 2 0 ; line 2: 1 2 (window 2; no pair crosses the line end)
    tokens, starts = _encode([[0, 1, 2, 0], [1, 2]])
    first, second, counts = cooccurrence_counts(tokens, starts, 3, window=2, weighting="harmonic")
    got = {(int(a), int(b)): float(n) for a, b, n in zip(first, second, counts)}
    # (0,1): d=1 at 0-1; (0,2): d=2 at 0-2 and d=1 at 2-0; (1,2): d=1 on both lines; (1,0): d=2 at 1-0
    assert got == {(0, 1): 1.0 + 0.5, (0, 2): 0.5 + 1.0, (1, 2): 2.0}
    assert counts.dtype == np.float64
    # 0 ... 0 at distance 3 is outside window 2; at window 3 it counts 1/3 (self pair)
    first, second, counts = cooccurrence_counts(tokens, starts, 3, window=3, weighting="harmonic")
    got = {(int(a), int(b)): float(n) for a, b, n in zip(first, second, counts)}
    assert got[(0, 0)] == pytest.approx(1 / 3)


def test_linear_weights_unchanged():
    tokens, starts = _encode([[0, 1, 2, 0]])
    _, _, counts = cooccurrence_counts(tokens, starts, 3, window=2)
    assert counts.dtype == np.int64 and counts.tolist() == [2 + 1, 1 + 2, 2]


def test_unknown_weighting():
    with pytest.raises(UsageError, match="weighting"):
        cooccurrence_counts(*_encode([[0, 1]]), 2, 2, weighting="cubic")


@pytest.mark.parametrize("weighting", ["linear", "harmonic"])
def test_spilled_runs_equal_in_memory(weighting, monkeypatch, tmp_path):
    rng = np.random.default_rng(1)
    lines = [list(rng.integers(0, 40, rng.integers(1, 30))) for _ in range(400)]
    tokens, starts = _encode(lines)
    expected = cooccurrence_counts(tokens, starts, 40, 5, weighting=weighting)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    # ~2 distinct pairs per run: dozens of runs, merged by many key ranges
    spilled = cooccurrence_counts(tokens, starts, 40, 5, pairs_per_chunk=300, weighting=weighting, memory_budget=80)
    np.testing.assert_array_equal(spilled[0], expected[0])
    np.testing.assert_array_equal(spilled[1], expected[1])
    np.testing.assert_allclose(spilled[2], expected[2], rtol=1e-12)
    assert os.listdir(tmp_path) == []  # the runs' folder is gone


def test_spill_folder_removed_on_error(monkeypatch, tmp_path):
    from kofasttext.corpus import cooccurrence

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(cooccurrence, "_merge_runs", fail)
    tokens, starts = _encode([[0, 1, 2, 3, 4, 5] * 20])
    with pytest.raises(OSError, match="disk full"):
        cooccurrence_counts(tokens, starts, 6, 3, pairs_per_chunk=10, memory_budget=40)
    assert os.listdir(tmp_path) == []


# -- the objective ------------------------------------------------------------------
def test_weighting_function():
    f = weight(torch.tensor([0.5, 10.0, 100.0, 1e4]), 100.0, 0.75)
    np.testing.assert_allclose(f.numpy(), [(0.5 / 100) ** 0.75, 0.1**0.75, 1.0, 1.0], rtol=1e-6)
    assert weight(torch.tensor([50.0]), 100.0, 1.0).item() == pytest.approx(0.5)


def test_symmetric_entries_double_the_diagonal():
    i, j, x = symmetric_entries(np.array([0, 1]), np.array([1, 1]), np.array([3.0, 0.5]))
    assert sorted(zip(i.tolist(), j.tolist(), x.tolist())) == [(0, 1, 3.0), (1, 0, 3.0), (1, 1, 1.0)]


@pytest.mark.parametrize("subwords", [False, True])
def test_fit_approaches_log_counts(subwords):
    # 6 words, every pair co-occurring; x_max small so that every entry weighs 1: plain least squares.
    rng = np.random.default_rng(0)
    nwords, dim = 6, 6
    upper = np.triu_indices(nwords)
    x = rng.uniform(1, 50, len(upper[0]))
    i, j, xs = symmetric_entries(upper[0].astype(np.int32), upper[1].astype(np.int32), x)
    if subwords:  # each word is its row plus two of 4 shared "n-gram" rows
        offsets = np.arange(0, 3 * nwords + 1, 3)
        rows = np.array([[w, nwords + w % 4, nwords + (w + 1) % 4] for w in range(nwords)]).ravel()
        fit = GloveFit(nwords + 4, nwords, dim, offsets, rows, seed=0)
    else:
        fit = GloveFit(nwords, nwords, dim, np.arange(nwords + 1), np.arange(nwords), seed=0)
    losses, _ = fit.train(i, j, xs, 0.5, 0.75, 0.5, 300, 8, 0, _NoBar())
    assert losses[-1] < losses[0] / 100
    w = fit.word_vectors(torch.arange(nwords))
    fitted = (w[i] * fit.context[j]).sum(1) + fit.word_bias[i] + fit.context_bias[j]
    np.testing.assert_allclose(fitted.numpy(), np.log(xs), atol=0.1)


class _NoBar:
    def update(self, *args, **kwargs):
        pass


# -- train_glove ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def jamo_model(topic_corpus):
    return train_glove(
        str(topic_corpus), dim=16, epoch=15, min_count=2, subwords="jamo", bucket=20_000, threads=1, progress=False
    )


def test_topics_separate_and_loss_falls(jamo_model):
    losses = jamo_model.config["loss_per_epoch"]
    assert losses[-1] < losses[0]
    assert jamo_model.similarity("김치", "라면") > jamo_model.similarity("김치", "날씨")


def test_vocabulary_word_is_w_plus_context(jamo_model):
    word = "김치"
    i = jamo_model.vocab.id(word)
    rows = jamo_model.input_rows(word)
    assert rows[0] == i
    # own row holds W_i + C_i: taking C_i back out leaves the word side alone
    word_side = jamo_model.input_matrix[rows].sum(0) - jamo_model.output_matrix[i]
    np.testing.assert_allclose(jamo_model[word], word_side + jamo_model.output_matrix[i], rtol=1e-5)
    assert jamo_model.config["glove_vector"] == "W+C" and jamo_model.config["model"] == "glove"
    assert not np.allclose(word_side, 0)


def test_unseen_word_has_a_vector(jamo_model):
    assert "김치찌개" not in jamo_model
    assert np.abs(jamo_model["김치찌개"]).sum() > 0  # shares 김치's jamo n-grams


def test_plain_glove_has_no_vector_for_unseen(topic_corpus):
    model = train_glove(str(topic_corpus), dim=8, epoch=3, min_count=2, subwords="none", threads=1, progress=False)
    assert not model["김치찌개"].any()
    assert model.config["subwords"] == "none" and model.input_matrix.shape[0] == len(model.words)


def test_save_load_round_trip(jamo_model, tmp_path):
    path = str(tmp_path / "glove.kft")
    jamo_model.save(path)
    loaded = kft.load(path)
    assert loaded.config["model"] == "glove" and loaded.words == jamo_model.words
    np.testing.assert_allclose(loaded["김치찌개"], jamo_model["김치찌개"])
    assert loaded.most_similar("김치", topn=3) == jamo_model.most_similar("김치", topn=3)


@pytest.mark.parametrize("keyword, value", [("x_max", 0), ("x_max", -1.0), ("alpha", 0), ("alpha", -0.5), ("lr", float("nan"))])
def test_bad_values(topic_corpus, keyword, value):
    with pytest.raises(UsageError, match=f"{keyword} must be a positive number"):
        train_glove(str(topic_corpus), progress=False, **{keyword: value})


def test_train_refuses_glove(topic_corpus):
    with pytest.raises(UsageError, match="train_glove"):
        kft.train(str(topic_corpus), model="glove", progress=False)


# -- the command line ---------------------------------------------------------------------
def test_cli_train_glove_end_to_end(cli, small_corpus, tmp_path):
    out = tmp_path / "g.kft"
    options = "--model glove --subwords syllable --dim 8 --epoch 3 --min-count 2 --bucket 10000 --threads 1"
    result = cli("train", small_corpus, "-o", out, *options.split(), "--x-max", "50", "--alpha", "0.5", "--quiet")
    assert result.returncode == 0, result.stderr
    config = kft.load(str(out)).config
    assert (config["model"], config["window"], config["x_max"], config["alpha"]) == ("glove", 10, 50.0, 0.5)
    neighbours = cli("neighbors", out, "김치찌개", "-k", "3")
    assert neighbours.returncode == 0 and len(neighbours.stdout.splitlines()) == 3
    exported = cli("export", out, "-o", tmp_path / "g.vec", "--format", "vec")
    assert exported.returncode == 0, exported.stderr


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--x-max", "0"], "x_max must be a positive number"),
        (["--alpha", "-1"], "alpha must be a positive number"),
        (["--neg", "10"], "--neg does not apply to --model glove"),
    ],
)
def test_cli_glove_bad_options(cli, small_corpus, tmp_path, extra, message):
    result = cli("train", small_corpus, "-o", tmp_path / "g.kft", "--model", "glove", "--quiet", *extra)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "g.kft").exists()


def test_cli_x_max_needs_glove(cli, small_corpus, tmp_path):
    result = cli("train", small_corpus, "-o", tmp_path / "m.kft", "--x-max", "10", "--quiet")
    assert result.returncode != 0 and "--x-max is an option of --model glove" in result.stderr


def test_config_is_json(jamo_model):
    json.dumps(jamo_model.config)


def test_first_step_is_adagrad_split_over_rows():
    # word 0 = rows 0, 2, 3 (own + two n-grams); one entry (0, 1). Accumulators start at 1, so the first step
    # is lr * g, each of the word's 3 rows taking a third of it; the word's accumulator then holds 1 + g**2.
    fit = GloveFit(4, 2, 3, np.array([0, 3, 4]), np.array([0, 2, 3, 1]), seed=0)
    fit.word_rows[2:] = torch.tensor([[0.1, 0.2, 0.3], [0.0, -0.1, 0.2]])
    before = [t.clone() for t in (fit.word_rows, fit.context, fit.word_bias, fit.context_bias)]
    w = before[0][[0, 2, 3]].sum(0)
    log_x, f, lr = torch.tensor([1.5]), torch.tensor([0.5]), 0.1
    diff = float(w @ before[1][1] + before[2][0] + before[3][1] - log_x)
    fit.start_block(torch.tensor([0]))
    loss = fit.step(torch.tensor([0]), torch.tensor([1]), log_x, f, lr)
    np.testing.assert_array_equal(fit.word_rows, before[0])  # the rows take the block's change at its end
    fit.end_block()
    assert loss == pytest.approx(0.5 * 0.5 * diff**2, rel=1e-5)
    g_w = 0.5 * diff * before[1][1]
    for row in (0, 2, 3):
        np.testing.assert_allclose(fit.word_rows[row], before[0][row] - lr * g_w / 3, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(fit.accumulators[0][0], 1 + g_w**2, rtol=1e-5)
    np.testing.assert_array_equal(fit.accumulators[0][1], torch.ones(3))  # word 1's untouched
    np.testing.assert_allclose(fit.context[1], before[1][1] - lr * 0.5 * diff * w, rtol=1e-5, atol=1e-7)
    assert fit.word_bias[0].item() == pytest.approx(before[2][0].item() - lr * 0.5 * diff, rel=1e-5)
    np.testing.assert_array_equal(fit.word_rows[1], before[0][1])  # word 1's word side untouched


def test_a_block_moves_composed_words_and_splits_their_change_over_rows():
    # Words 0 and 1 share n-gram row 2. In one block, word 1's step is computed from its vector as composed at
    # the block's start (word 0's step in the same block has not reached row 2 yet), with its own accumulator
    # (1: its first step is lr * g); at the block's end each word's change is split over its 2 rows.
    fit = GloveFit(3, 2, 2, np.array([0, 2, 4]), np.array([0, 2, 1, 2]), seed=0)
    fit.word_rows[2] = torch.tensor([0.3, -0.2])
    log_x, f, lr = torch.tensor([2.0]), torch.tensor([1.0]), 0.1
    rows = fit.word_rows.clone()
    fit.start_block(torch.tensor([0, 1]))
    fit.step(torch.tensor([0]), torch.tensor([1]), log_x, f, lr)
    change_0 = fit.words[0] - (rows[0] + rows[2])
    context, word_bias, context_bias = fit.context.clone(), fit.word_bias.clone(), fit.context_bias.clone()
    w1 = rows[1] + rows[2]
    diff = float(w1 @ context[0] + word_bias[1] + context_bias[0] - log_x)
    fit.step(torch.tensor([1]), torch.tensor([0]), log_x, f, lr)
    change_1 = -lr * diff * context[0]
    np.testing.assert_allclose(fit.words[1], w1 + change_1, rtol=1e-5, atol=1e-7)
    fit.end_block()
    np.testing.assert_allclose(fit.word_rows[0], rows[0] + change_0 / 2, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(fit.word_rows[1], rows[1] + change_1 / 2, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(fit.word_rows[2], rows[2] + (change_0 + change_1) / 2, rtol=1e-5, atol=1e-7)


def test_plain_glove_moves_its_rows_at_once():
    # Without subwords the rows are the word vectors: a step moves them directly, with no block to end.
    fit = GloveFit(2, 2, 2, np.arange(3), np.arange(2), seed=0)
    assert fit.plain and fit.words is fit.word_rows
    before = fit.word_rows.clone()
    fit.step(torch.tensor([0]), torch.tensor([1]), torch.tensor([2.0]), torch.tensor([1.0]), 0.1)
    assert not torch.equal(fit.word_rows[0], before[0]) and torch.equal(fit.word_rows[1], before[1])
