"""Pass 1 of `encode` on several processes: a large plain-text corpus decoded, split into words and numbered
by worker processes, for the default (whitespace) pretokeniser.

Decoding, splitting and numbering words are Python work per token: one process counted NSMC's 6.2M tokens in
6.3 s, an eighth of a 5-epoch CBOW run on two cores. Here the main process reads the file in blocks of whole
lines (`read.raw_blocks`, ~1 MiB) and hands them round-robin to ``workers`` worker processes; each decodes a
block (`read.decode_block`), splits its lines (`split_words`) and numbers the block's distinct words in order
of first appearance. The main process takes the blocks back in file order and numbers the blocks' words in
the corpus's dictionary (`encode._IdCounter`): a word's first appearance, so the vocabulary, its order and
every id, are exactly those of counting in one process (``tests/test_corpus_parallel.py``). The main process
numbers a block's distinct words, not its tokens: a 1 MiB block of NSMC has about a third as many distinct
words as tokens. `encode_corpus` on NSMC, 2 cores: 4.6-5.2 s with two workers against 6.7-7.8 s in one process.

The workers are fresh interpreters running `_serve` of this module (``python -c``), not
`multiprocessing`'s: its fork copies a process whose other threads (torch's, a progress bar's) may hold
locks, and its spawn imports the caller's main script again, which would train a second time in every
worker from a script without an ``if __name__ == "__main__"`` guard. They speak a binary protocol on their
standard streams, no pickle. A request is ``<q`` the block's bytes and ``<q`` 1 for the file's first block
(whose byte-order mark goes), then the block; the answer is `_ANSWER` (the words' bytes, tokens, lines,
lines with invalid UTF-8, lines with NUL bytes), then the distinct words joined by newlines (a word of
`split_words` holds no whitespace), each token's index into them (int32) and each line's word count (int64).
A block is sent to a worker only once the main process has taken its answer to the block before: a worker
never waits on a full pipe while the main process waits on it.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import NoReturn

import numpy as np

from ..errors import CorpusError
from ..pretokenizers import Pretokenizer
from ..pretokenizers.whitespace import WhitespacePretokenizer, split_words
from .read import TSV_SUFFIXES, ReadStats, decode_block, raw_blocks

#: Smaller files (as stored, so compressed for .gz) are counted in the calling process: starting a worker
#: (~0.15 s, most of it importing numpy) would cost more than it saves.
PARALLEL_MIN_BYTES = 4 << 20
#: At most this many workers, however many are asked for: the main process numbering the blocks' words is what
#: limits the pace (its lookups took 2.7 s of the 4-5 s NSMC took with two workers), so more would idle.
MAX_WORKERS = 4
_REQUEST = struct.Struct("<2q")
_ANSWER = struct.Struct("<5q")
# The worker imports this very package, wherever the caller found it (not ``-m`` this module: the package
# imports it first, and running it again as __main__ would load it twice).
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_WORKER_CODE = (
    f"import sys; sys.path.insert(0, {_PACKAGE_PARENT!r}); from {__name__} import _serve; "
    "_serve(sys.stdin.buffer, sys.stdout.buffer)"
)


@dataclass
class SplitBlock:
    """A block of whole lines, split: its distinct ``words`` in order of first appearance, each token's index
    into them (``ids``, int32), each line's number of words (``lengths``, int64), and how many of its lines had
    invalid UTF-8 and NUL bytes."""

    words: list[str]
    ids: np.ndarray
    lengths: np.ndarray
    invalid_utf8_lines: int = 0
    nul_lines: int = 0


def parallel_counting(path: str, column, pretokenizer: Pretokenizer, workers: int) -> bool:
    """Whether `split_blocks` counts ``path``: several workers asked for, the whitespace pretokeniser (the one
    the workers run), plain text (not a TSV column) and a file of at least `PARALLEL_MIN_BYTES`."""
    return (
        workers > 1
        and isinstance(pretokenizer, WhitespacePretokenizer)
        and column is None
        and not path.lower().endswith(TSV_SUFFIXES)
        and bool(sys.executable)
        and os.path.isfile(path)  # else reading in this process says what is wrong with it
        and os.path.getsize(path) >= PARALLEL_MIN_BYTES
    )


def split_block(raw: bytes, first: bool) -> SplitBlock:
    """One block of whole lines decoded and split."""
    lines, invalid, nul = decode_block(raw, first)
    words_per_line = list(map(split_words, lines))
    lengths = np.fromiter(map(len, words_per_line), dtype=np.int64, count=len(lines))
    index: defaultdict[str, int] = defaultdict()
    index.default_factory = index.__len__  # a new word gets the next number, in C
    ids = np.fromiter(
        map(index.__getitem__, chain.from_iterable(words_per_line)), dtype=np.int32, count=int(lengths.sum())
    )
    return SplitBlock(list(index), ids, lengths, invalid, nul)


class _Worker:
    """One worker process, with a file for what it says on stderr (read when it fails)."""

    def __init__(self):
        self.errors = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WORKER_CODE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors
        )

    def send(self, raw: bytes, first: bool) -> None:
        try:
            self.process.stdin.write(_REQUEST.pack(len(raw), first) + raw)
            self.process.stdin.flush()
        except BrokenPipeError:
            self.fail()

    def receive(self) -> SplitBlock:
        """The answer to the oldest block sent."""
        header = self.process.stdout.read(_ANSWER.size)
        if len(header) < _ANSWER.size:
            self.fail()
        words_bytes, ntokens, nlines, invalid, nul = _ANSWER.unpack(header)
        body = self.process.stdout.read(words_bytes + 4 * ntokens + 8 * nlines)
        if len(body) < words_bytes + 4 * ntokens + 8 * nlines:
            self.fail()
        words = body[:words_bytes].decode("utf-8").split("\n") if words_bytes else []
        ids = np.frombuffer(body, dtype="<i4", count=ntokens, offset=words_bytes)
        lengths = np.frombuffer(body, dtype="<i8", count=nlines, offset=words_bytes + 4 * ntokens)
        return SplitBlock(words, ids, lengths, invalid, nul)

    def fail(self) -> NoReturn:
        self.process.kill()
        self.process.wait()
        self.errors.seek(0)
        said = self.errors.read().decode("utf-8", errors="replace").strip().splitlines()
        raise CorpusError(
            f"a corpus reading process ended unexpectedly (exit status {self.process.returncode})"
            + (f": {said[-1]}" if said else "")
        )

    def close(self, finished: bool) -> None:
        """Let the worker go: at its input's end when ``finished`` (it exits), else killed at once."""
        if not finished:
            self.process.kill()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:  # a dead worker's pipe
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a worker that does not end at its input's end
            self.process.kill()
            self.process.wait()
        self.errors.close()


def split_blocks(path: str, workers: int, stats: ReadStats) -> Iterator[SplitBlock]:
    """The blocks of ``path``, split by ``workers`` (at most `MAX_WORKERS`) worker processes, in file order;
    ``stats`` counts their lines (as `iter_lines` does). A worker that fails is a `CorpusError`; all are stopped
    when the caller stops."""
    workers = min(workers, MAX_WORKERS)
    pool: list[_Worker] = []
    finished = False
    try:
        pool.extend(_Worker() for _ in range(workers))
        waiting: deque[_Worker] = deque()  # a worker per block sent and not yet taken back, oldest first

        def take() -> SplitBlock:
            block = waiting.popleft().receive()
            stats.lines += len(block.lengths)
            stats.invalid_utf8_lines += block.invalid_utf8_lines
            stats.nul_lines += block.nul_lines
            return block

        for number, raw in enumerate(raw_blocks(path)):
            # Round-robin: this worker's block before is the oldest waiting. Take its answer back first (the
            # module docstring says why), but hand the worker its next block before counting the last one.
            ready = take() if len(waiting) == workers else None
            pool[number % workers].send(raw, number == 0)
            waiting.append(pool[number % workers])
            if ready is not None:
                yield ready
        while waiting:
            yield take()
        finished = True
    finally:
        for worker in pool:
            worker.close(finished)


def _serve(requests, answers) -> None:
    """A worker's loop: split each block sent on ``requests`` and answer on ``answers``, until the end."""
    while header := requests.read(_REQUEST.size):
        size, first = _REQUEST.unpack(header)
        raw = requests.read(size)
        block = split_block(raw, bool(first))
        words = "\n".join(block.words).encode("utf-8")
        answers.write(
            _ANSWER.pack(len(words), len(block.ids), len(block.lengths), block.invalid_utf8_lines, block.nul_lines)
        )
        answers.write(words)
        answers.write(block.ids.astype("<i4", copy=False).tobytes())
        answers.write(block.lengths.astype("<i8", copy=False).tobytes())
        answers.flush()

