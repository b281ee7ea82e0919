"""Distributed training (`kofasttext.training.distributed`): ranks on 127.0.0.1 with gloo train one model, resume
with the same number of ranks, and a rank that dies ends the job with a message instead of a hang."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from conftest import _write, topic_lines
from test_checkpoints import OPTIONS, _wait_for_checkpoint, topic_precision

import kofasttext as kft
from kofasttext.training import train


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def kill_all_with(argument: str) -> None:
    """SIGKILL every process whose command line has ``argument`` (torchrun starts each rank in its own session)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if argument.encode() in handle.read().split(b"\0"):
                    os.kill(int(pid), signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass


def torchrun(ranks: int) -> list[str]:
    return [
        sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(ranks),
        "--master-addr", "127.0.0.1", "--master-port", str(free_port()), "-m", "kofasttext",
    ]


def test_two_gloo_ranks_train_one_model_as_good_as_one_process(tmp_path):
    corpus = _write(tmp_path / "topics.txt", topic_lines(2000, 8))
    output = tmp_path / "m.kft"
    # 60 epochs (about a second): long enough for the ranks to meet and merge during training. At 20 the run ended
    # before the first meeting (0.5 s), and one merge of two copies trained apart scored 0.875 against 1.0.
    command = [*torchrun(2), "train", str(corpus), "-o", str(output), "--epoch", "60", *OPTIONS, "--quiet"]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    model = kft.load(str(output))
    distributed = model.config["distributed"]
    assert distributed["world_size"] == 2 and distributed["backend"] == "gloo"
    assert distributed["sync"]["epoch_end"] and distributed["merges"]["full"] >= 1
    single = train(str(corpus), subwords="syllable", dim=16, bucket=5000, min_count=1, threads=1, epoch=60, progress=False)
    assert model.words == single.words  # one vocabulary, built by rank 0
    assert topic_precision(model) >= 0.8
    assert abs(topic_precision(model) - topic_precision(single)) <= 0.1


def test_killed_ranks_resume_with_the_same_number_of_ranks_only(tmp_path):
    corpus = _write(tmp_path / "topics.txt", topic_lines(8000, 8))
    output, checkpoint = tmp_path / "m.kft", tmp_path / "m.kft.checkpoint"
    arguments = ["train", str(corpus), "-o", str(output), "--epoch", "150", *OPTIONS, "--quiet"]
    process = subprocess.Popen(
        [*torchrun(2), *arguments, "--checkpoint-every", "0.003"], stderr=subprocess.PIPE, text=True
    )
    try:
        progress = _wait_for_checkpoint(process, checkpoint, timeout=120)
    finally:
        kill_all_with(str(output))  # torchrun and both ranks (each in its own session): nothing is saved on the way out
        process.wait()
    assert 0 < progress < 1 and not output.exists()
    assert kft.load(str(checkpoint)).config["distributed"]["world_size"] == 2

    alone = subprocess.run([sys.executable, "-m", "kofasttext", *arguments, "--resume"], capture_output=True, text=True)
    assert alone.returncode == 1
    assert alone.stderr.strip().splitlines() == [
        f"kofasttext: error: {checkpoint} was trained by 2 process(es); resume it with 2, not 1"
    ]

    resumed = subprocess.run([*torchrun(2), *arguments, "--resume"], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert output.exists() and not checkpoint.exists()
    final = kft.load(str(output))
    assert "checkpoint" not in final.config
    assert topic_precision(final) >= 0.8


def test_a_rank_that_dies_ends_the_others_with_one_line(tmp_path):
    corpus = _write(tmp_path / "topics.txt", topic_lines(8000, 8))
    output, checkpoint = tmp_path / "m.kft", tmp_path / "m.kft.checkpoint"
    command = [sys.executable, "-m", "kofasttext", "train", str(corpus), "-o", str(output), "--epoch", "300", *OPTIONS]
    port = str(free_port())
    ranks = []
    for rank in range(2):  # what torchrun would set, without its agent (which would stop rank 0 itself)
        env = {**os.environ, "RANK": str(rank), "WORLD_SIZE": "2", "LOCAL_WORLD_SIZE": "2"}
        env.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=port, KOFASTTEXT_SYNC_TIMEOUT="20")
        ranks.append(
            subprocess.Popen([*command, "--checkpoint-every", "0.003", "--quiet"], env=env, stderr=subprocess.PIPE, text=True)
        )
    survivor, victim = ranks
    try:
        _wait_for_checkpoint(survivor, checkpoint, timeout=120)  # training has started
        victim.kill()
        started = time.monotonic()
        survivor.wait(timeout=60)
        waited = time.monotonic() - started
    finally:
        for process in ranks:
            if process.poll() is None:
                process.kill()
    assert survivor.returncode == 1
    lines = survivor.stderr.read().strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    assert lines[0].startswith("kofasttext: error: rank 0 of 2: lost contact with the other ranks")
    assert waited < 30
    assert not output.exists()


def test_ranks_share_every_chunk_once_and_reckon_the_jobs_progress():
    from kofasttext.training.loop import WorkQueue

    queues = [WorkQueue(1, 1000, 2, 8, [3], share=(rank, 2)) for rank in range(2)]
    taken = [[chunk[0] for chunk in iter(queue.next_chunk, None)] for queue in queues]
    assert sorted(taken[0] + taken[1]) == [c for c in range(16) if c != 3]  # the checkpoint's chunk 3 is done
    assert all(chunk % 8 % 2 == rank for rank in range(2) for chunk in taken[rank])  # stretch i to rank i % 2
    queues[1].done[0] = 250
    assert queues[1].progress() == (125 + 2 * 250) / 2000  # chunk 3 (125 tokens) plus twice this rank's share


def test_the_hot_rows_are_every_row_the_most_frequent_words_sum():
    import numpy as np

    from kofasttext.training.distributed import hot_input_rows

    offsets, rows = np.array([0, 3, 5, 7]), np.array([0, 9, 4, 1, 9, 2, 8])
    assert hot_input_rows(offsets, rows, 2, [11]).tolist() == [0, 1, 4, 9, 11]
    assert hot_input_rows(offsets, rows, 10, []).tolist() == [0, 1, 2, 4, 8, 9]


def test_a_merge_sums_the_ranks_changes_and_averages_those_of_hot_rows():
    import torch

    from kofasttext.training import distributed

    reference = torch.tensor([[1.0, 1.0], [2.0, 2.0], [0.0, 0.0]])
    mine = torch.tensor([[2.0, 1.0], [2.0, 4.0], [0.0, 0.0]])  # this rank moved rows 0 and 1
    theirs = torch.tensor([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])  # the other rank's change: rows 0 and 1
    group = distributed.Group(0, 2, torch.device("cpu"))
    group._sum = lambda change: change + theirs  # what all_reduce would give
    divisors = torch.tensor([[1.0], [2.0], [1.0]])  # row 1 is hot
    matrix, base = mine.clone(), reference.clone()
    group.merge_all(matrix, base, divisors)
    assert torch.equal(matrix, torch.tensor([[3.0, 1.0], [2.0, 4.0], [0.0, 0.0]]))  # row 0 summed, row 1 averaged
    assert torch.equal(base, matrix)  # the next change is counted from here
    matrix, base = mine.clone(), reference.clone()
    group._sum = lambda change: change + theirs[1:2]
    group.merge_rows(matrix, base, torch.tensor([1]), 2.0)
    assert torch.equal(matrix, torch.tensor([[2.0, 1.0], [2.0, 4.0], [0.0, 0.0]]))  # rows not merged stay as they are
    assert torch.equal(base, torch.tensor([[1.0, 1.0], [2.0, 4.0], [0.0, 0.0]]))


def test_a_row_is_summed_when_few_steps_touch_it_and_averaged_when_many_do():
    """`saturation_divisors`: k (1 - q) / (1 - q^k), q = exp(-load * tokens / saturating_updates)."""
    import math

    import torch

    from kofasttext.training.distributed import saturation_divisors

    load = torch.tensor([0.0, 1e-9, 1e-4, 1.0])
    divisors = saturation_divisors(load, 1000.0, 4, 10.0)
    assert divisors[0] == 1.0 and math.isclose(divisors[1], 1.0, rel_tol=1e-6)  # untouched or nearly: the plain sum
    q = math.exp(-1e-4 * 1000 / 10)
    assert math.isclose(divisors[2], 4 * (1 - q) / (1 - q**4), rel_tol=1e-5)
    assert divisors[3] == 4.0  # saturated: the mean
    assert torch.equal(saturation_divisors(load, 1000.0, 1, 10.0), torch.ones(4))  # one rank: nothing to divide
    rising = saturation_divisors(torch.logspace(-8, 0, 50), 1000.0, 2, 10.0)
    assert (rising.diff() >= 0).all() and rising[0] >= 1.0 and rising[-1] <= 2.0


def _tiny_run(model="skipgram", loss="ns"):
    """A run of 4 words (counts 40, 30, 20, 10) and </s> (5 lines), 100 tokens, window 2, neg 2, every word
    kept half the time; words 0 and 1 share n-gram row 5, word 2 owns n-gram row 6; </s> has the last row, 7."""
    from types import SimpleNamespace

    import numpy as np
    import torch

    from kofasttext.training.huffman import build_huffman_tree

    offsets = np.array([0, 2, 4, 6, 7, 8])  # the words', then </s>'s rows
    rows = np.array([0, 5, 1, 5, 2, 6, 3, 7])
    counts = np.array([40, 30, 20, 10])
    tree = build_huffman_tree(np.append(counts, 5)) if loss == "hs" else None
    output_rows = tree.inner_nodes if tree else 5
    parameters = SimpleNamespace(
        input_matrix=torch.zeros(8, 2), output_matrix=torch.zeros(output_rows, 2),
        subword_offsets=torch.from_numpy(offsets), subword_rows=torch.from_numpy(rows),
    )
    plan = SimpleNamespace(
        parameters=parameters, end_of_line=4, keep_probability=torch.full((5,), 0.5),
        negative_table=torch.tensor([0, 0, 1, 2, 3, 4, 4, 4]), negative_draw=(8, 6) if model == "skipgram" else (8, 3),
    )
    corpus = SimpleNamespace(vocab=SimpleNamespace(counts=counts), tokens=np.zeros(100), line_starts=np.arange(6) * 20)
    return SimpleNamespace(plan=plan, config={"model": model, "window": 2, "neg": 2}, corpus=corpus, tree=tree)


def test_row_loads_count_each_rows_expected_updates_per_token():
    import numpy as np

    from kofasttext.training.distributed import row_loads

    kept = 0.5 * np.array([40, 30, 20, 10, 5]) / 100  # words 0-3 and </s>, per corpus token
    input_load, output_load = row_loads(_tiny_run())
    # skip-gram: a kept centre moves each of its input rows once; the shared n-gram row 5 takes words 0 and 1's
    assert np.allclose(input_load, [kept[0], kept[1], kept[2], kept[3], 0, kept[0] + kept[1], kept[2], kept[4]])
    # ... and the output rows of its window + 1 = 3 context words, and per kept centre 2 * 6 / 8 negatives
    table = np.array([2, 1, 1, 1, 3]) / 8
    assert np.allclose(output_load, 3 * kept + kept.sum() * 1.5 * table)
    cbow_input, cbow_output = row_loads(_tiny_run("cbow"))
    assert np.allclose(cbow_input, 3 * input_load) and np.allclose(cbow_output, kept + kept.sum() * 0.75 * table)
    run = _tiny_run(loss="hs")
    _, node_load = row_loads(run)
    root = run.tree.inner_nodes - 1  # every path ends at the root: every target moves it
    assert np.isclose(node_load[root], 3 * kept.sum()) and np.isclose(node_load.sum(), 3 * (kept * run.tree.lengths).sum())


def test_a_merge_divides_each_row_by_the_updates_it_took_since_its_own_last_merge(monkeypatch):
    """Hot rows are merged at every meeting, the others at full merges only: each row's divisor counts the tokens
    this rank trained since that row's last merge."""
    from types import SimpleNamespace

    import numpy as np
    import torch

    from kofasttext.training import distributed
    from kofasttext.training.distributed import row_loads, saturation_divisors

    run = _tiny_run()
    run.model_rows, run.offsets, run.rows = (7, 4), np.array([0, 2, 4, 6, 7]), np.array([0, 5, 1, 5, 2, 6, 3])
    run.queue = SimpleNamespace(done=np.zeros(1, dtype=np.int64))
    schedule = distributed.SyncSchedule(saturating_updates=500.0)
    merging = distributed.Merging(distributed.Group(0, 2, torch.device("cpu")), schedule, run)
    merging.reference = (torch.zeros(8, 2), torch.zeros(5, 2))
    seen = []
    monkeypatch.setattr(distributed.Group, "merge_rows", lambda self, m, r, rows, divisors: seen.append((rows, divisors)))
    monkeypatch.setattr(distributed.Group, "merge_all", lambda self, m, r, divisors: seen.append((None, divisors)))
    assert merging.hot_input.tolist() == [0, 5, 7] and merging.hot_output.tolist() == [0, 4]  # word 0, </s>
    input_load = torch.from_numpy(row_loads(run)[0]).float().unsqueeze(1)

    run.queue.done[0] = 1000
    merging.merge(full=False)
    rows, divisors = seen[0]
    assert torch.allclose(divisors, saturation_divisors(input_load[rows], 1000.0, 2, 500.0))
    run.queue.done[0] = 3000
    merging.merge(full=True)
    _, divisors = seen[2]
    trained = torch.full((8, 1), 3000.0)
    trained[[0, 5, 7]] = 2000.0  # the hot rows since the meeting at 1,000 tokens
    assert torch.allclose(divisors, saturation_divisors(input_load, trained, 2, 500.0))
    assert divisors[5] > divisors[1] > divisors[6] > 1.0  # the shared n-gram row, a word's own row, a rarer one
    run.queue.done[0] = 3500
    merging.merge(full=False)
    assert torch.allclose(seen[4][1], saturation_divisors(input_load[[0, 5, 7]], 500.0, 2, 500.0))
