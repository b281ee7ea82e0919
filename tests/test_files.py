"""The one atomic writer (kofasttext.files) and the environment it finds (kofasttext.environment)."""

from __future__ import annotations

import gzip
import os
import stat

import pytest

from kofasttext import environment
from kofasttext.files import PendingFile, atomic_write, text_writer

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "measures.png"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_write(target) as out:
        out.write(PNG_MAGIC)
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["measures.png"]


def test_ctrl_c_during_a_write_leaves_nothing(tmp_path):
    target = tmp_path / "new.txt"
    with pytest.raises(KeyboardInterrupt), atomic_write(target) as out:
        out.write(b"half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_a_new_file_gets_ordinary_permissions_and_a_replaced_one_keeps_its_own(tmp_path):
    old_umask = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.txt"
        with atomic_write(fresh) as out:
            out.write(b"x")
        kept = tmp_path / "kept.txt"
        kept.write_bytes(b"old")
        kept.chmod(0o600)
        with atomic_write(kept) as out:
            out.write(b"new")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and kept.read_bytes() == b"new"


def test_pending_files_appear_only_when_committed(tmp_path):
    first, second = PendingFile(tmp_path / "a.tsv"), PendingFile(tmp_path / "b.tsv")
    first.file.write(b"1")
    second.file.write(b"2")
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == []
    first.commit()
    second.discard()
    first.discard()  # after commit: nothing to remove
    assert [p.name for p in tmp_path.iterdir()] == ["a.tsv"]


def test_compressed_text_is_the_same_bytes_every_time(tmp_path):
    outputs = []
    for name in ("one.txt.gz", "two.txt.gz"):
        with atomic_write(tmp_path / name) as binary, text_writer(binary, compress=True) as text:
            text.write("영화 재밌다\n")
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    assert gzip.decompress(outputs[0]).decode("utf-8") == "영화 재밌다\n"


def test_data_and_cache_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("KOFASTTEXT_DATA", str(tmp_path))
    assert environment.data_dir() == tmp_path
    with pytest.raises(environment.CorpusError, match="data folder not found"):
        environment.data_dir(tmp_path / "missing")
    monkeypatch.setenv("KOFASTTEXT_CACHE", str(tmp_path / "cache"))
    assert environment.cache_dir() == tmp_path / "cache"
    assert environment.available_cores() >= 1


def test_a_dead_writers_temporary_is_removed_by_the_next_write_and_a_live_ones_is_not(tmp_path):
    target = tmp_path / "m.kft"
    dead = tmp_path / ".m.kft.abcd1234.part"  # what a killed writer leaves: named as mkstemp names, unlocked
    dead.write_bytes(b"half a model")
    other = tmp_path / ".m.kft.x.abcd1234.part"  # a temporary of another target (m.kft.x)
    other.write_bytes(b"not ours")
    live = PendingFile(target)  # holds its lock until it commits
    assert not dead.exists() and other.exists()
    live.file.write(b"first")
    with atomic_write(target) as out:  # a second writer of the same target meanwhile
        out.write(b"second")
    assert os.path.exists(live.temporary), "a live writer's temporary was taken for a dead one's"
    live.commit()
    assert target.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".m.kft.x.abcd1234.part", "m.kft"]
