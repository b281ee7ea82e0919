"""Crash safety, proven: a save killed with SIGKILL at a random moment leaves the old file or the new one.

For each kind of file kofasttext writes (a model, a training checkpoint, a classifier, exports as .vec and
fastText .bin, a corpus cache), a child process saves the NEW content over a target that holds the OLD one,
again and again, and is killed with SIGKILL after a random delay (seeded). The target must then hold exactly
the old bytes or exactly the new ones (a checkpoint, whose content changes as training goes: a complete file
that loads). A killed writer may leave its temporary (``.NAME.XXXXXXXX.part``); it must not be the target's
name, and the next save of the same target must succeed and leave no temporary behind (`files.atomic_write`
removes a dead writer's). 20 kills in all.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO_ROOT, topic_lines

import kofasttext as kft
from kofasttext.files import atomic_write
from kofasttext.modelfile import read_model_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: Child setup per kind (``SOURCE``: the new content's source, ``TARGET``: the file saved over) and the save
#: it repeats. Each save writes the same bytes as the parent's reference save of the same source.
SAVES = {
    "model": ("import kofasttext as kft; m = kft.load(SOURCE)", "m.save(TARGET)"),
    "export_vec": ("import kofasttext as kft; m = kft.load(SOURCE)", "m.save_vec(TARGET)"),
    "export_fasttext": ("import kofasttext as kft; m = kft.load(SOURCE)", "m.save_fasttext(TARGET)"),
    "classifier": ("import kofasttext as kft; c = kft.TextClassifier.load(SOURCE)", "c.save(TARGET)"),
    "corpus_cache": ("from kofasttext.corpus.cache import store_cache; args = cache_arguments(SOURCE)",
                     "store_cache(TARGET, *args)"),
}
#: Kills per kind; the checkpoint's come on top.
TRIALS = {"model": 4, "export_vec": 3, "export_fasttext": 3, "classifier": 2, "corpus_cache": 3}
CHECKPOINT_TRIALS = 5

CACHE_ARGUMENTS = '''
def cache_arguments(corpus_path):
    """What `encode_corpus` hands `store_cache` for this corpus: key, vocabulary, stats and the id files."""
    import tempfile
    import numpy as np
    from kofasttext.corpus import encode_corpus
    from kofasttext.corpus.cache import cache_key
    from kofasttext.corpus.encode import MAX_DISTINCT_WORDS
    from kofasttext.pretokenizers import create
    corpus = encode_corpus(corpus_path, min_count=1, cache=False)
    tokens, starts = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    tokens.write(np.asarray(corpus.tokens, dtype="<i4").tobytes())
    starts.write(np.asarray(corpus.line_starts, dtype="<i8").tobytes())
    key = cache_key(corpus_path, None, 1, MAX_DISTINCT_WORDS, create("whitespace"))
    return key, corpus.vocab, corpus.stats, tokens, len(corpus.tokens), starts, len(corpus.line_starts) - 1
'''


def _child_script(kind: str, source: str, target: str) -> str:
    setup, save = SAVES[kind]
    return "\n".join([
        "import sys",
        CACHE_ARGUMENTS,
        f"SOURCE, TARGET = {source!r}, {target!r}",
        setup,
        "print('ready', flush=True)",
        "while True:",
        f"    {save}",
    ])


def _reference(kind: str, source: str, path: str) -> bytes:
    """The bytes one save of ``kind`` from ``source`` writes, made here."""
    namespace: dict = {}
    exec(CACHE_ARGUMENTS, namespace)  # the child's own helper, so that both sides save the same thing
    namespace.update(SOURCE=source, TARGET=path)
    setup, save = SAVES[kind]
    exec(setup, namespace)
    exec(save, namespace)
    return Path(path).read_bytes()


def _start(script: str) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", script], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = child.stdout.readline()
    assert line == b"ready\n", child.stderr.read().decode(errors="replace")
    return child


def _kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL, child.stderr.read().decode(errors="replace")
    child.stdout.close()
    child.stderr.close()


def _temporaries(target: Path) -> list[Path]:
    return [p for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.") and p.name.endswith(".part")]


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, dict[str, str]]:
    """Per kind, the ``old`` and ``new`` sources (files the saves start from)."""
    folder = tmp_path_factory.mktemp("sources")
    corpora = {}
    for name, seed in (("old", 1), ("new", 2)):
        corpora[name] = folder / f"{name}.txt"
        corpora[name].write_text("\n".join(topic_lines(300, seed=seed)) + "\n", encoding="utf-8")
        model = kft.train(str(corpora[name]), dim=16, bucket=20_000, min_count=1, epoch=1, threads=1, seed=seed,
                          progress=False)
        model.save(str(folder / f"{name}.kft"))
    classifiers = {"old": str(FIXTURES / "demo_syllable.clf"), "new": str(folder / "new.clf")}
    classifier = kft.TextClassifier(kft.load(str(folder / "new.kft")), epochs=1, filters=8)
    classifier.fit(topic_lines(200), [i % 2 for i in range(200)], progress=False)
    classifier.save(classifiers["new"])
    models = {name: str(folder / f"{name}.kft") for name in ("old", "new")}
    return {
        "model": models, "export_vec": models, "export_fasttext": models, "classifier": classifiers,
        "corpus_cache": {name: str(path) for name, path in corpora.items()},
    }


def test_a_killed_save_leaves_the_old_file_or_the_new_one(sources, tmp_path):
    rng = random.Random(18)
    kills = left_temporaries = 0
    for kind, trials in TRIALS.items():
        target = tmp_path / kind / "target"
        target.parent.mkdir()
        old = _reference(kind, sources[kind]["old"], str(target))
        new = _reference(kind, sources[kind]["new"], str(tmp_path / kind / "reference"))
        assert old != new
        (tmp_path / kind / "reference").unlink()
        for _ in range(trials):
            child = _start(_child_script(kind, sources[kind]["new"], str(target)))
            time.sleep(rng.uniform(0.0, 0.08))
            _kill(child)
            kills += 1
            assert target.read_bytes() in (old, new), f"{kind}: a partial file after SIGKILL"
            stale = _temporaries(target)
            left_temporaries += bool(stale)
            assert all(p.name != target.name for p in stale)
            with atomic_write(target) as out:  # the next save: back to the old content
                out.write(old)
            assert _temporaries(target) == [], f"{kind}: a dead writer's temporary survived the next save"
            assert target.read_bytes() == old
    assert kills == sum(TRIALS.values())
    assert left_temporaries, "no kill landed inside a save: the test proves nothing"


CHECKPOINT_RUN = """
import kofasttext as kft
import torch
print('ready', flush=True)
kft.train({corpus!r}, dim=16, bucket=20_000, min_count=1, epoch=10_000, threads=1, progress=False,
          checkpoint={target!r}, checkpoint_every=1e-5)
"""


def test_a_killed_checkpoint_is_the_old_one_or_a_complete_new_one(sources, tmp_path):
    """Checkpoints are saved every few milliseconds by a real training run, killed at a random moment."""
    rng = random.Random(19)
    target = tmp_path / "run.kft.checkpoint"
    shutil.copy(sources["model"]["old"], target)
    old = target.read_bytes()
    replaced = 0
    for _ in range(CHECKPOINT_TRIALS):
        child = _start(CHECKPOINT_RUN.format(corpus=sources["corpus_cache"]["new"], target=str(target)))
        time.sleep(rng.uniform(0.15, 0.5))
        _kill(child)
        data = target.read_bytes()
        if data != old:
            read_model_file(str(target))  # complete: its size is the one its header gives
            checkpoint = kft.load(str(target))
            assert "checkpoint" in checkpoint.config
            replaced += 1
        with atomic_write(target) as out:
            out.write(old)
        assert _temporaries(target) == []
    assert replaced, "no checkpoint was written before the kills: the test proves nothing"
