"""Reading a corpus in blocks of whole lines (`corpus.read.raw_blocks`, `decode_block`) and counting it on
worker processes (`corpus.parallel`): the same lines, statistics, vocabulary and ids as one process gives."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from conftest import SMALL_LINES

from kofasttext import CorpusError
from kofasttext.corpus import encode_corpus, iter_lines, parallel, read
from kofasttext.corpus.read import ReadStats, decode_block, raw_blocks
from kofasttext.pretokenizers import create

#: A byte-order mark, CRLF and lone CR ends, invalid UTF-8, NUL bytes, empty lines, NFD Hangul, a noncharacter,
#: a line of spaces, punctuation runs, and no line end at the very end.
AWKWARD = (
    b"\xef\xbb\xbf\xec\xb2\xab \xec\xa4\x84\r\n"
    + "재밌다 재밌다!! ㅋㅋ\n\n".encode()
    + b"bad \xff\xfe bytes \xed\xa0\x80 here\n"
    + "nul\x00between 재밌다\r\r\n".encode()
    + "\u1106\u1169\u11af\u1105\u1161\u11bb\u1103\u1161 몰랐다 \ufdd0\n".encode()
    + b"   \n"
    + "최고... 10점 재밌다\n".encode() * 3
    + "끝 줄".encode()
)


def lines_of(path: str) -> tuple[list[str], ReadStats]:
    stats = ReadStats()
    return list(iter_lines(path, stats=stats)), stats


@pytest.mark.parametrize("block_bytes", [1, 7, 64, 1 << 20])
def test_lines_and_stats_do_not_depend_on_the_block_size(write_corpus, monkeypatch, block_bytes):
    path = str(write_corpus("awkward.txt", AWKWARD))
    expected, expected_stats = lines_of(path)
    monkeypatch.setattr(read, "READ_BLOCK_BYTES", block_bytes)
    lines, stats = lines_of(path)
    assert lines == expected and stats == expected_stats
    assert lines[0] == "첫 줄" and lines[2] == "" and lines[-1] == "끝 줄"
    assert lines[4] == "nul\x00between 재밌다"  # CR CR LF: every CR at the end goes, as before blocks
    assert (stats.lines, stats.invalid_utf8_lines, stats.nul_lines) == (11, 1, 1)
    blocks = list(raw_blocks(path))
    assert b"".join(blocks) == AWKWARD
    assert all(block.endswith(b"\n") for block in blocks[:-1])


def test_a_block_with_invalid_utf8_counts_each_bad_line_once():
    lines, invalid, nul = decode_block(b"ok\nbad \xff\nalso bad \xc3\nok \xea\xb0\x80\n")
    assert lines == ["ok", "bad \ufffd", "also bad \ufffd", "ok 가"] and (invalid, nul) == (2, 0)
    assert decode_block(b"") == ([], 0, 0) and decode_block(b"\n") == ([""], 0, 0)
    assert decode_block(b"\xef\xbb\xbfa\nb", first=True)[0] == ["a", "b"]
    assert decode_block(b"\xef\xbb\xbfa\nb")[0] == ["\ufeffa", "b"]  # a mark is dropped only at the file's start


@pytest.fixture
def parallel_always(monkeypatch):
    """Count even the tiny files tests write on worker processes, in many blocks."""
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(read, "READ_BLOCK_BYTES", 100)


def assert_same_encoding(one, several):
    assert several.vocab.words == one.vocab.words
    assert np.array_equal(several.vocab.counts, one.vocab.counts)
    assert np.array_equal(several.tokens, one.tokens) and np.array_equal(several.line_starts, one.line_starts)
    assert several.stats == one.stats


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("compress", [False, True])
def test_workers_give_the_encoding_of_one_process(write_corpus, parallel_always, workers, compress):
    text = AWKWARD * 3 + "\n".join(SMALL_LINES * 4).encode()
    path = str(write_corpus("c.txt.gz" if compress else "c.txt", gzip.compress(text) if compress else text))
    assert parallel.parallel_counting(path, None, create("whitespace"), workers)
    one = encode_corpus(path, min_count=2, cache=False)
    several = encode_corpus(path, min_count=2, cache=False, workers=workers)
    assert_same_encoding(one, several)
    assert several.stats.invalid_utf8_lines == 3 and several.stats.nul_lines == 3
    assert any("invalid UTF-8" in warning for warning in several.stats.warnings)


def test_workers_count_through_a_reduce_step(write_corpus, parallel_always):
    # More distinct words than max_words: counting drops rare words as it goes; the frequent ones stay exact.
    lines = [f"흔한 말 w{i} w{i + 1}" for i in range(300)]
    path = str(write_corpus("many.txt", lines))
    corpus = encode_corpus(path, min_count=2, cache=False, max_words=50, workers=2)
    counts = dict(zip(corpus.vocab.words, corpus.vocab.counts.tolist()))
    assert counts["흔한"] == counts["말"] == 300
    assert any("distinct words" in warning for warning in corpus.stats.warnings)


def test_only_large_plain_text_with_the_whitespace_pretokenizer_is_counted_on_workers(write_corpus, monkeypatch):
    whitespace = create("whitespace")
    small = str(write_corpus("small.txt", SMALL_LINES))
    assert not parallel.parallel_counting(small, None, whitespace, 2)  # under PARALLEL_MIN_BYTES
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    assert parallel.parallel_counting(small, None, whitespace, 2)
    assert not parallel.parallel_counting(small, None, whitespace, 1)
    tsv = str(write_corpus("c.tsv", "id\tdocument\n1\t좋다\n"))
    assert not parallel.parallel_counting(tsv, "document", whitespace, 2)
    with pytest.raises(CorpusError, match="corpus not found"):
        encode_corpus(small + ".missing", min_count=1, cache=False, workers=2)


def test_a_failed_worker_is_one_corpus_error(write_corpus, parallel_always, monkeypatch):
    path = str(write_corpus("c.txt", SMALL_LINES * 4))
    monkeypatch.setattr(parallel.sys, "executable", "/bin/false")  # a "Python" that exits at once
    with pytest.raises(CorpusError, match="corpus reading process ended unexpectedly"):
        encode_corpus(path, min_count=1, cache=False, workers=2)


def test_workers_are_stopped_when_the_caller_stops(write_corpus, parallel_always, monkeypatch):
    path = str(write_corpus("c.txt", SMALL_LINES * 20))
    started = []
    real_worker = parallel._Worker

    def recorded():
        started.append(real_worker())
        return started[-1]

    monkeypatch.setattr(parallel, "_Worker", recorded)
    blocks = parallel.split_blocks(path, 2, ReadStats())
    next(blocks)
    blocks.close()
    assert len(started) == 2 and all(worker.process.poll() is not None for worker in started)
    started.clear()
    assert sum(len(block.ids) for block in parallel.split_blocks(path, 64, ReadStats())) > 0
    assert len(started) == parallel.MAX_WORKERS  # however many cores the caller has
