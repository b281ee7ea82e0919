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
    command = [*torchrun(2), "train", str(corpus), "-o", str(output), "--epoch", "20", *OPTIONS, "--quiet"]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    model = kft.load(str(output))
    distributed = model.config["distributed"]
    assert distributed["world_size"] == 2 and distributed["backend"] == "gloo"
    assert distributed["sync"]["epoch_end"] and distributed["merges"]["full"] >= 1
    single = train(str(corpus), subwords="syllable", dim=16, bucket=5000, min_count=1, threads=1, epoch=20, progress=False)
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


def test_a_merge_averages_hot_own_rows_and_divides_shared_hot_ngrams_by_the_root_of_the_world_size():
    """The divisors of a merge (the module docstring): the hot words' own and output rows and </s>'s the mean
    (world size), the n-gram rows the hot words sum sqrt(world size), every other row the plain sum (1)."""
    from types import SimpleNamespace

    import numpy as np
    import torch

    from kofasttext.subwords import SubwordScheme
    from kofasttext.training import distributed

    nwords, dim = 8, 2  # hot words: a quarter of the vocabulary, words 0 and 1
    offsets = np.array([0, 3, 6, 7, 8, 9, 12, 13, 14])
    rows = np.array([0, 8, 9, 1, 9, 10, 2, 3, 4, 5, 10, 11, 6, 7])  # words 0, 1 and 5 have n-gram rows 8-11
    parameters = SimpleNamespace(input_matrix=torch.zeros(13, dim), output_matrix=torch.zeros(nwords + 1, dim))
    run = SimpleNamespace(
        plan=SimpleNamespace(parameters=parameters, end_of_line=nwords),  # row 12 / row 8: </s>
        model_rows=(12, nwords), offsets=offsets, rows=rows,
        config=SubwordScheme.create("syllable", 2, 3, 100).to_config(),
    )
    merging = distributed.Merging(distributed.Group(0, 4, torch.device("cpu")), distributed.SyncSchedule(), run)
    assert merging.divisors[0].squeeze(1).tolist() == [4, 4, 1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 4]
    assert merging.divisors[1].squeeze(1).tolist() == [4, 4, 1, 1, 1, 1, 1, 1, 4]
    assert merging.hot_input.tolist() == [0, 1, 8, 9, 10, 12] and merging.hot_output.tolist() == [0, 1, 8]
    assert merging.hot_divisors[0].squeeze(1).tolist() == [4, 4, 2, 2, 2, 4]
