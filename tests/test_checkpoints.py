"""Checkpoints: a training process killed with SIGKILL midway resumes from its
last checkpoint to the same end, and the result is as good as an uninterrupted run."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import torch
from conftest import FOOD, WEATHER, _write, topic_lines

import kofasttext as kft
from kofasttext import ModelFileError, UsageError
from kofasttext.training import loop, train

OPTIONS = ["--subwords", "syllable", "--dim", "16", "--bucket", "5000", "--min-count", "1", "--threads", "1"]
#: A run long enough (~5 s on the project's machine) to be stopped while it trains: the topic corpus has 16 words,
#: which subsampling would thin to almost nothing (150 epochs then took 1 s and could end before the first
#: checkpoint was seen).
LONG_RUN = ["--epoch", "30", "--sample", "0"]


def topic_precision(model, topn: int = 5) -> float:
    hits = 0
    for word in FOOD + WEATHER:
        own = FOOD if word in FOOD else WEATHER
        hits += sum(w in own for w, _ in model.most_similar(word, topn=topn))
    return hits / (topn * len(FOOD + WEATHER))


def _wait_for_checkpoint(process, path, timeout=60.0) -> float:
    """Progress of the first readable checkpoint (the file is written atomically)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            try:
                return kft.load(str(path)).config["checkpoint"]["progress"]
            except ModelFileError:  # replaced while we read it
                pass
        if process.poll() is not None:
            raise AssertionError(f"training ended before any checkpoint: {process.stderr.read()}")
        time.sleep(0.05)
    raise AssertionError("no checkpoint appeared")


def test_kill_nine_then_resume_matches_an_uninterrupted_run(tmp_path):
    corpus = _write(tmp_path / "topics.txt", topic_lines(8000, 8))
    output = tmp_path / "m.kft"
    checkpoint = tmp_path / "m.kft.checkpoint"
    command = [sys.executable, "-m", "kofasttext", "train", str(corpus), "-o", str(output), *LONG_RUN, *OPTIONS]
    process = subprocess.Popen([*command, "--checkpoint-every", "0.003", "--quiet"], stderr=subprocess.PIPE, text=True)
    try:
        progress = _wait_for_checkpoint(process, checkpoint)
    finally:
        process.kill()  # SIGKILL: no handler runs, nothing is saved on the way out
        process.wait()
    assert not output.exists()
    assert 0 < progress < 1

    resumed = subprocess.run([*command, "--resume", "--quiet"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert output.exists() and not checkpoint.exists()  # the checkpoint is gone once the model is saved

    uninterrupted = train(
        str(corpus), subwords="syllable", dim=16, bucket=5000, min_count=1, threads=1, epoch=150, progress=False
    )
    final = kft.load(str(output))
    assert "checkpoint" not in final.config
    assert topic_precision(final) >= 0.8
    assert abs(topic_precision(final) - topic_precision(uninterrupted)) <= 0.1


def test_ctrl_c_saves_a_checkpoint_and_exits_130(tmp_path):
    corpus = _write(tmp_path / "topics.txt", topic_lines(8000, 8))
    output, checkpoint = tmp_path / "m.kft", tmp_path / "m.kft.checkpoint"
    command = [sys.executable, "-m", "kofasttext", "train", str(corpus), "-o", str(output), *LONG_RUN, *OPTIONS]
    # A shell without job control starts background jobs with SIGINT ignored, and Python keeps an ignored SIGINT
    # ignored: the child gets the default disposition back, whatever started this test.
    process = subprocess.Popen(
        [*command, "--checkpoint-every", "0.003", "--quiet"], stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        first = _wait_for_checkpoint(process, checkpoint)  # training is under way
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130
    assert stderr.strip().splitlines()[-1].startswith("kofasttext: interrupted at ")
    assert "Traceback" not in stderr and not output.exists()
    state = kft.load(str(checkpoint)).config["checkpoint"]
    assert first <= state["progress"] < 1


def stop_half_way(monkeypatch, record=None):
    """Make `TrainingRun.train` train to the end, then save a checkpoint of the trained rows that says half its
    chunks are left to do (``record(run)`` sees the run after that); returns the real ``train``."""
    original_train = loop.TrainingRun.train

    def train_then_checkpoint(run, path, every):
        original_train(run, path, every)
        del run.queue.completed[len(run.queue.completed) // 2 :]
        run.save_checkpoint(path)
        if record is not None:
            record(run)

    monkeypatch.setattr(loop.TrainingRun, "train", train_then_checkpoint)
    return original_train


def test_a_checkpoint_keeps_the_rows_of_the_end_of_line_token(tmp_path, monkeypatch):
    """</s> is no word of the model, but a resumed run goes on with its trained rows, not fresh ones."""
    corpus = _write(tmp_path / "topics.txt", topic_lines(2000, 8))
    checkpoint = tmp_path / "m.kft.checkpoint"
    options = dict(subwords="syllable", dim=16, bucket=5000, min_count=1, threads=1, progress=False)
    trained = {}

    def record(run):
        trained["rows"] = run.plan.parameters.input_matrix[-1].clone(), run.plan.parameters.output_matrix[-1].clone()

    stop_half_way(monkeypatch, record)
    train(str(corpus), epoch=2, checkpoint=str(checkpoint), **options)
    assert torch.any(trained["rows"][1] != 0)  # the output row starts at zero: this one was trained

    def record_start(run, path, every):
        trained["resumed with"] = run.plan.parameters.input_matrix[-1], run.plan.parameters.output_matrix[-1]

    monkeypatch.setattr(loop.TrainingRun, "train", record_start)
    train(str(corpus), checkpoint=str(checkpoint), resume=True, progress=False)
    for resumed, saved in zip(trained["resumed with"], trained["rows"]):
        assert torch.equal(resumed, saved)


def test_resume_needs_a_checkpoint(tmp_path, topic_corpus):
    result = subprocess.run(
        [sys.executable, "-m", "kofasttext", "train", str(topic_corpus), "-o", str(tmp_path / "m.kft"), "--resume", *OPTIONS],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    missing = tmp_path / "m.kft.checkpoint"
    assert result.stderr.strip().splitlines() == [f"kofasttext: error: no checkpoint to resume: {missing} does not exist"]


def test_a_finished_model_is_not_a_checkpoint(tmp_path, topic_corpus):
    finished = tmp_path / "done.kft"
    train(str(topic_corpus), subwords="none", dim=8, min_count=1, threads=1, epoch=1, progress=False).save(str(finished))
    try:
        train(str(topic_corpus), checkpoint=str(finished), resume=True, progress=False)
    except UsageError as error:
        assert "not a checkpoint" in str(error)
    else:
        raise AssertionError("resuming from a finished model must fail")
