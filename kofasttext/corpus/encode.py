"""Encoding a corpus: its vocabulary and its text as one int32 array of word ids, in one streaming read.

Lines are split into words by the pretokeniser (`kofasttext.pretokenizers`; default ``whitespace``), through
its batched ``split_many`` so that Kiwi analyses lines on several threads. `encode_corpus` reads and
pretokenises the file once (pass 1): each distinct word gets a provisional id in order of first appearance,
the ids are counted with numpy, and every token's provisional id and every line's token count are appended
to two temporary files. The vocabulary is then pruned by ``min_count`` (most frequent first, ties in order of
first appearance), and the provisional ids are remapped to final ids a chunk at a time into the token file,
so the token array is never in memory: it is memory-mapped from the cache file (`kofasttext.corpus.cache`)
or a temporary file. Words below ``min_count`` are dropped from the text (windows close over them), as in
fastText.

A corpus with more than ``max_words`` (``MAX_DISTINCT_WORDS``) distinct words is read twice: counting then
bounds its dict with fastText's reduce step, dropping rare words as it goes, which provisional ids cannot
follow (a dropped word seen again counts from zero and moves to its new first appearance). From the first
reduce step on, pass 1 only counts, and pass 2 reads and pretokenises the text again to encode it.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np

from ..errors import CorpusError
from ..pretokenizers import Pretokenizer, create
from ..progress import Progress, format_count, format_duration
from ..vocab import Vocabulary
from .cache import cache_key, cache_paths, load_cache, store_cache
from .parallel import parallel_counting, split_blocks
from .read import ReadStats, iter_lines


@dataclass
class EncodedCorpus:
    """A corpus as word ids.

    Attributes
    ----------
    tokens : np.ndarray of int32
        Word ids of every kept token, lines concatenated. Memory-mapped from the
        cache file (copy-on-write) or a temporary file, so a corpus larger than
        memory is read from the page cache, never held in RAM.
    line_starts : np.ndarray of int64
        ``tokens[line_starts[i]:line_starts[i+1]]`` is line i (lines with no kept
        token are left out); training windows never cross a line.
    vocab : Vocabulary
    stats : ReadStats
    cache_path : str or None
        The cache file the tokens come from (None when not cached).
    cache_hit : bool
        True when the cache was reused rather than written.
    """

    tokens: np.ndarray
    line_starts: np.ndarray
    vocab: Vocabulary
    stats: ReadStats
    cache_path: str | None = None
    cache_hit: bool = False


#: Corpora smaller than this are encoded again each time (milliseconds) rather than cached,
#: so small files (tests, the packaged demo corpus) get no cache file beside them.
CACHE_MIN_BYTES = 1 << 20
#: Pass 1 keeps at most this many distinct words before a fastText-style reduce step.
MAX_DISTINCT_WORDS = 30_000_000
#: Encoding (the remap, or pass 2) writes about this many tokens at a time.
CHUNK_TOKENS = 1 << 20
#: Lines per batch handed to the counter in pass 1.
_COUNT_BATCH_LINES = 4096
_PROGRESS_LINES = 50_000

try:  # the C loop behind Counter.update, without its per-call checks
    from collections import _count_elements
except ImportError:  # pragma: no cover - other Pythons

    def _count_elements(mapping, iterable):
        get = mapping.get
        for element in iterable:
            mapping[element] = get(element, 0) + 1


def _reduce(counts: dict[str, int], min_reduce: int) -> dict[str, int]:
    """fastText's ``Dictionary::threshold`` during counting: drop words seen fewer than ``min_reduce`` times."""
    return {word: count for word, count in counts.items() if count >= min_reduce}


def _scratch_file(folders: list[str]):
    """A temporary file in the first of ``folders`` that takes one (beside the cache, where there is room for
    the corpus, rather than a small /tmp), else in the system's temporary folder."""
    for folder in folders:
        try:
            os.makedirs(folder, exist_ok=True)
            return tempfile.TemporaryFile(dir=folder)
        except OSError:
            continue
    return tempfile.TemporaryFile()


def _read_array(file, dtype: str, count: int) -> np.ndarray:
    return np.frombuffer(file.read(count * np.dtype(dtype).itemsize), dtype=dtype)


def _line_lengths(batch: list[list[str]]) -> np.ndarray:
    return np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))


class ProvisionalText:
    """Pass 1's record of the text: each token's provisional id (int32: the rank of its word's first
    appearance) and each line's token count (int64), appended to two temporary files.

    ``complete`` turns False (and the files are let go) when a reduce step makes the ids useless, or when
    the files cannot be written (no room: the record only saves reading the text twice).
    """

    def __init__(self, folders: list[str]):
        self.complete = True
        self._ids = _scratch_file(folders)
        self._lengths = _scratch_file(folders)

    def append(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        if not self.complete:
            return
        try:
            self._ids.write(ids.astype("<i4", copy=False).tobytes())
            self._lengths.write(lengths.astype("<i8", copy=False).tobytes())
        except OSError:  # no room for the record (a full disk, a file size limit): pass 2 reads the text again
            self.abandon()

    def abandon(self) -> None:
        self.complete = False
        self.close()

    def whole_lines(self, chunk_tokens: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(ids, lengths)`` of consecutive whole lines, from the start, about ``chunk_tokens`` tokens at a
        time (a longer line comes alone): memory is one chunk, and chunks never split a line."""
        for file in (self._ids, self._lengths):
            file.flush()
            file.seek(0)
        while True:
            lengths = _read_array(self._lengths, "<i8", chunk_tokens)  # a block of lines, 8 bytes each
            if not len(lengths):
                return
            ends = np.cumsum(lengths)
            first = before = 0  # the block's lines and tokens already given
            while first < len(lengths):
                last = max(first + 1, int(np.searchsorted(ends, before + chunk_tokens, side="right")))
                end = int(ends[last - 1])
                yield _read_array(self._ids, "<i4", end - before), lengths[first:last]
                first, before = last, end

    def close(self) -> None:
        for file in (self._ids, self._lengths):
            with contextlib.suppress(OSError):  # closing flushes: on a full disk that fails again
                file.close()


class _IdCounter:
    """Counts of words by provisional id: a word's id is the number of distinct words seen before it."""

    def __init__(self):
        self.index: defaultdict[str, int] = defaultdict()
        # A missing word gets the next id in C, without a Python call per token.
        self.index.default_factory = self.index.__len__
        self.counts = np.zeros(1 << 16, dtype=np.int64)  # counts[i]: the word of id i; grown by doubling

    def __len__(self) -> int:
        return len(self.index)

    def add(self, words: list[str], block_ids: np.ndarray | None = None) -> np.ndarray:
        """Count some tokens and give their provisional ids: ``words``, every token; or with ``block_ids`` (a
        `parallel.SplitBlock`), the distinct words of a block in order of first appearance, and each token's
        index into them."""
        ids = np.fromiter(map(self.index.__getitem__, words), dtype=np.int32, count=len(words))
        if len(self.index) > len(self.counts):
            self.counts = np.concatenate([self.counts, np.zeros(max(len(self.counts), len(self.index)), np.int64)])
        if block_ids is not None:  # ids are the block's distinct words'
            self.counts[ids] += np.bincount(block_ids, minlength=len(ids))
            return ids[block_ids]
        # np.unique costs the batch's size, where a bincount would cost the number of distinct words so far.
        seen, times = np.unique(ids, return_counts=True)
        self.counts[seen] += times
        return ids

    def by_word(self) -> dict[str, int]:
        return dict(zip(self.index, self.counts[: len(self.index)].tolist()))


def count_words(
    path: str,
    column: str | int | None,
    pretokenizer: Pretokenizer,
    stats: ReadStats,
    on_progress: Callable[[ReadStats], None] | None = None,
    max_words: int = MAX_DISTINCT_WORDS,
    record: ProvisionalText | None = None,
    workers: int = 1,
) -> tuple[list[str], np.ndarray, int]:
    """Pass 1: the distinct words in order of first appearance, their counts (int64) and the final ``min_reduce``.

    With ``workers`` above 1, a large plain-text corpus is decoded and split by that many worker processes
    (`parallel`), with the same result.

    Words are counted by provisional id (`_IdCounter`), and ``record``, when given,
    gets every token's provisional id and every line's length, so that the text
    need not be read again. Memory is the dictionary of distinct words. When it
    grows past ``max_words``, counting goes on by word in a dict, ``record`` is
    abandoned, and the words seen fewer than ``min_reduce`` times so far are
    dropped, ``min_reduce`` going up by one each time (fastText's and word2vec's
    reduce step); the counts of words below the final ``min_reduce`` are then
    approximate, and a word dropped and seen again counts from zero and moves to
    its new first appearance.
    """
    by_id: _IdCounter | None = _IdCounter()
    by_word: dict[str, int] = {}  # after the first reduce step
    min_reduce = 1

    def count(words: list[str], lengths: np.ndarray, block_ids: np.ndarray | None = None) -> None:
        """Count whole lines: ``words`` their tokens, or with ``block_ids`` their distinct words (`_IdCounter.add`)."""
        nonlocal by_id, by_word, min_reduce
        stats.tokens += int(lengths.sum())
        if by_id is not None:
            ids = by_id.add(words, block_ids)
            if record is not None:
                record.append(ids, lengths)
            if len(by_id) <= max_words:
                return
            by_word, by_id = by_id.by_word(), None
            if record is not None:
                record.abandon()
        elif block_ids is None:
            _count_elements(by_word, words)
        else:
            for word, times in zip(words, np.bincount(block_ids, minlength=len(words)).tolist()):
                by_word[word] = by_word.get(word, 0) + times
        while len(by_word) > max_words:
            min_reduce += 1
            by_word = _reduce(by_word, min_reduce)

    stats.phase = "counting"
    stats.tokens = 0
    if parallel_counting(path, column, pretokenizer, workers):
        for block in split_blocks(path, workers, stats):
            count(block.words, block.lengths, block.ids)
            if on_progress is not None:
                on_progress(stats)
    else:
        batch: list[list[str]] = []
        for done, line_words in enumerate(pretokenizer.split_many(iter_lines(path, column, stats)), start=1):
            batch.append(line_words)
            if len(batch) >= _COUNT_BATCH_LINES:
                count(list(chain.from_iterable(batch)), _line_lengths(batch))
                batch = []
            if on_progress is not None and done % _PROGRESS_LINES == 0:
                on_progress(stats)
        count(list(chain.from_iterable(batch)), _line_lengths(batch))
    if by_id is not None:
        return list(by_id.index), by_id.counts[: len(by_id)], min_reduce
    return list(by_word), np.fromiter(by_word.values(), dtype=np.int64, count=len(by_word)), min_reduce


def build_vocabulary(words: list[str], counts: np.ndarray, min_count: int, path: str) -> tuple[Vocabulary, np.ndarray]:
    """Words seen at least ``min_count`` times, most frequent first, ties in order of first appearance
    (the order of ``words``), and the final id of each of ``words`` (int32; -1 for a dropped word)."""
    order = np.lexsort((np.arange(len(counts)), -counts))
    order = order[counts[order] >= min_count]
    if len(order) == 0:
        top = int(np.argmax(counts))
        raise CorpusError(
            f"no word of {path} occurs min_count={min_count} times "
            f"(the most frequent, {words[top]!r}, occurs {counts[top]}); lower --min-count"
        )
    final_ids = np.full(len(words), -1, dtype=np.int32)
    final_ids[order] = np.arange(len(order), dtype=np.int32)
    return Vocabulary([words[i] for i in order], counts[order]), final_ids


class _TokenWriter:
    """The encoded text into two binary files, whole lines at a time: the kept word ids (int32) and the
    start of every line left with a kept token (int64), then the end of the last (`finish`)."""

    def __init__(self, tokens_out, starts_out):
        self.tokens_out, self.starts_out = tokens_out, starts_out
        self.tokens = self.lines = 0  # written so far

    def write(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        """``ids``: the final id of every token of some whole lines (-1: a dropped word); ``lengths``: each
        line's token count."""
        kept = ids >= 0
        # Kept tokens per line: a running count of kept tokens, read at each line's end.
        ends = np.cumsum(lengths)
        kept_before = np.concatenate(([0], np.cumsum(kept, dtype=np.int64)))
        kept_per_line = kept_before[ends] - kept_before[ends - lengths]
        kept_per_line = kept_per_line[kept_per_line > 0]
        starts = self.tokens + np.concatenate(([0], np.cumsum(kept_per_line)))[:-1].astype(np.int64)
        self.tokens_out.write(ids[kept].astype("<i4", copy=False).tobytes())
        self.starts_out.write(starts.astype("<i8", copy=False).tobytes())
        self.tokens += int(kept.sum())
        self.lines += len(kept_per_line)

    def finish(self) -> tuple[int, int]:
        """Write the end of the last line; the tokens and lines written."""
        self.starts_out.write(np.array([self.tokens], dtype="<i8").tobytes())
        return self.tokens, self.lines


def _remap_to_files(
    record: ProvisionalText,
    final_ids: np.ndarray,
    writer: _TokenWriter,
    total_lines: int,
    on_progress: Callable[[ReadStats], None] | None,
) -> None:
    """Encoding in one read: pass 1's provisional ids mapped to final ids, ``CHUNK_TOKENS`` at a time."""
    progress = ReadStats(phase="encoding", total_lines=total_lines)
    for ids, lengths in record.whole_lines(CHUNK_TOKENS):
        writer.write(final_ids[ids], lengths)
        progress.lines += len(lengths)
        progress.tokens += len(ids)
        if on_progress is not None:  # a call per chunk, not per _PROGRESS_LINES: chunks are few
            on_progress(progress)


def _encode_text(
    path: str,
    column: str | int | None,
    pretokenizer: Pretokenizer,
    vocab: Vocabulary,
    writer: _TokenWriter,
    total_lines: int,
    on_progress: Callable[[ReadStats], None] | None,
) -> None:
    """Pass 2, after a reduce step: the text read and pretokenised again, ``CHUNK_TOKENS`` tokens at a time,
    its words looked up in the vocabulary."""
    get = {word: i for i, word in enumerate(vocab.words)}.get
    progress = ReadStats(phase="encoding", total_lines=total_lines)
    batch: list[list[str]] = []
    batch_tokens = 0

    def flush() -> None:
        words = list(chain.from_iterable(batch))
        ids = np.fromiter(map(get, words, repeat(-1, len(words))), dtype=np.int32, count=len(words))
        writer.write(ids, _line_lengths(batch))
        batch.clear()

    for done, words in enumerate(pretokenizer.split_many(iter_lines(path, column, progress)), start=1):
        batch.append(words)
        batch_tokens += len(words)
        if batch_tokens >= CHUNK_TOKENS:
            progress.tokens += batch_tokens
            flush()
            batch_tokens = 0
        if on_progress is not None and done % _PROGRESS_LINES == 0:
            on_progress(progress)
    progress.tokens += batch_tokens
    flush()


def encode_corpus(
    path: str,
    min_count: int = 5,
    column: str | int | None = None,
    on_progress: Callable[[ReadStats], None] | None = None,
    pretokenizer: Pretokenizer | str | None = None,
    cache: bool = True,
    max_words: int = MAX_DISTINCT_WORDS,
    workers: int = 1,
) -> EncodedCorpus:
    """Build the vocabulary of ``path`` and encode it as word ids, reading the text once.

    Pass 1 pretokenises the text, counts words by provisional id (a dict of distinct
    words) and appends every token's provisional id to a temporary file; the
    provisional ids are then mapped to final ids and the kept ones written to disk
    ``CHUNK_TOKENS`` (1M) tokens at a time, and the tokens are memory-mapped. Peak
    memory is therefore the word dictionary (about 150-200 bytes per distinct word,
    at most ``max_words`` words) plus one batch of lines or one chunk of ids -- not
    the token array, which lives in files and the page cache. The temporary files
    (4 bytes per token and 8 per line) go beside the cache file when caching, else in
    the system's temporary folder. The vocabulary is most frequent first, ties in
    order of first appearance.

    If a corpus has more than ``max_words`` distinct words, counting drops the words
    seen fewer than a rising ``min_reduce`` threshold as it goes, as fastText and
    word2vec do; the counts of words below the final threshold are then approximate
    (only matters when ``min_count`` is below it). The provisional ids are then given
    up and the text is read a second time to encode it (pass 2).

    The encoded corpus is cached (when ``cache`` and the file is at least
    ``CACHE_MIN_BYTES``) in a hidden file beside the input,
    ``.NAME.<settings hash>.kftcache``, or in the user cache folder when the input's
    folder is not writable (`kofasttext.corpus.cache`); a stale or damaged cache is rebuilt.

    Parameters
    ----------
    path, column : as for `iter_lines`.
    min_count : int
        Words seen fewer times are dropped from the vocabulary and the text.
    on_progress : callable, optional
        Called with the read statistics every 50,000 lines of pass 1 and every chunk
        of the encoding (every 50,000 lines of pass 2); ``stats.phase`` is
        ``"counting"`` or ``"encoding"`` (the latter with ``stats.total_lines`` set,
        for a percentage).
    pretokenizer : Pretokenizer or spec, optional
        How lines become words (default ``"whitespace"``); a pretokeniser that
        still `needs_fit` must be fitted first (`fit_pretokenizer`).
    cache : bool
        Reuse and write the cache file (default True).
    max_words : int
        The most distinct words counting keeps before reducing (see above).
    workers : int
        Worker processes that decode and split a large plain-text corpus for the
        whitespace pretokeniser (`kofasttext.corpus.parallel`; default 1: none, the
        calling process does it). The result is the same.

    Examples
    --------
    >>> corpus = encode_corpus("corpora/demo_ko.txt", min_count=5)
    >>> corpus.vocab.words[:3]
    ['.', ',', '너무']
    """
    pretokenizer = create(pretokenizer)
    key = cache_key(path, column, min_count, max_words, pretokenizer) if cache else None
    targets = cache_paths(key) if key is not None and key["size"] >= CACHE_MIN_BYTES else []
    for candidate in targets:
        hit = load_cache(candidate, key)
        if hit is not None:
            return EncodedCorpus(*hit, cache_path=candidate, cache_hit=True)

    stats = ReadStats()
    record = ProvisionalText([os.path.dirname(target) for target in targets])
    try:
        vocab, final_ids = _vocabulary(path, column, pretokenizer, stats, on_progress, min_count, max_words, record, workers)

        def write_tokens(tokens_out, starts_out) -> tuple[int, int]:
            writer = _TokenWriter(tokens_out, starts_out)
            if record.complete:
                _remap_to_files(record, final_ids, writer, stats.lines, on_progress)
            else:
                _encode_text(path, column, pretokenizer, vocab, writer, stats.lines, on_progress)
            return writer.finish()

        for target in targets:
            try:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                return _encode_into_cache(write_tokens, vocab, stats, target, key)
            except OSError:
                continue  # not writable (a read-only data folder): try the next place
        return _encode_uncached(write_tokens, vocab, stats)
    finally:
        record.close()


def _vocabulary(
    path, column, pretokenizer, stats: ReadStats, on_progress, min_count: int, max_words: int, record: ProvisionalText,
    workers: int,
) -> tuple[Vocabulary, np.ndarray]:
    """Pass 1, the vocabulary it gives and the final id of each provisional id; what reading found goes into
    ``stats.warnings``."""
    words, counts, min_reduce = count_words(path, column, pretokenizer, stats, on_progress, max_words, record, workers)
    if stats.invalid_utf8_lines:
        stats.warnings.append(f"{stats.invalid_utf8_lines} lines had invalid UTF-8 bytes (replaced by U+FFFD)")
    if stats.nul_lines:
        stats.warnings.append(f"{stats.nul_lines} lines had NUL bytes (read as spaces)")
    if min_reduce > 1:
        stats.warnings.append(
            f"more than {max_words:,} distinct words: counting dropped rare words as it went "
            f"(counts below {min_reduce} are approximate)"
        )
    if not stats.tokens:
        raise CorpusError(f"corpus {path} has no words ({stats.lines} lines)")
    return build_vocabulary(words, counts, min_count, path)


def _encode_into_cache(write_tokens, vocab, stats, cache_path, key) -> EncodedCorpus:
    folder = os.path.dirname(cache_path)
    with tempfile.TemporaryFile(dir=folder) as tokens_out, tempfile.TemporaryFile(dir=folder) as starts_out:
        ntokens, nlines = write_tokens(tokens_out, starts_out)
        store_cache(cache_path, key, vocab, stats, tokens_out, ntokens, starts_out, nlines)
    stored = load_cache(cache_path, key)
    if stored is None:  # pragma: no cover - the file we just wrote
        raise OSError(f"cannot read back {cache_path}")
    return EncodedCorpus(*stored, cache_path=cache_path, cache_hit=False)


def _encode_uncached(write_tokens, vocab, stats) -> EncodedCorpus:
    with tempfile.TemporaryFile() as tokens_out:
        starts_out = io.BytesIO()
        try:
            ntokens, _ = write_tokens(tokens_out, starts_out)
            tokens_out.flush()
        except OSError as error:
            if error.filename is not None or error.errno is None:
                raise
            # A full disk names no file: say where the ids were going (TMPDIR chooses another place).
            raise OSError(error.errno, error.strerror, f"the corpus ids' temporary file in {tempfile.gettempdir()}") from None
        # The map outlives the (already unlinked) file.
        tokens = np.memmap(tokens_out, dtype=np.int32, mode="c", shape=(ntokens,)) if ntokens else np.zeros(0, np.int32)
    line_starts = np.frombuffer(starts_out.getbuffer(), dtype="<i8").astype(np.int64)
    return EncodedCorpus(tokens, line_starts, vocab, stats)


def fit_pretokenizer(pretokenizer: Pretokenizer, path: str, column, seed: int, bar: Progress) -> Pretokenizer:
    """``pretokenizer`` trained on the corpus when it learns from one (sentencepiece), else itself."""
    if not pretokenizer.needs_fit:
        return pretokenizer
    started = time.monotonic()
    bar.update(f"training the {pretokenizer.spec} pretokenizer on {path}", force=True)
    fitted = pretokenizer.fit(iter_lines(path, column), seed=seed)
    bar.message(f"trained the {fitted.spec} pretokenizer ({format_duration(time.monotonic() - started)})")
    return fitted


def encode_with_progress(
    path: str, min_count: int, column, pretokenizer: Pretokenizer, bar: Progress, workers: int = 1
) -> EncodedCorpus:
    """`encode_corpus` (cached) with its progress, its warnings and a closing summary on ``bar``."""
    started = time.monotonic()
    corpus = encode_corpus(
        path,
        min_count,
        column,
        on_progress=lambda stats: bar.update(_read_progress(path, stats)),
        pretokenizer=pretokenizer,
        workers=workers,
    )
    if corpus.cache_hit:
        bar.message(f"reusing the encoded corpus cached in {corpus.cache_path}")
    for warning in corpus.stats.warnings:
        bar.message(f"warning: {warning}")
    bar.message(
        f"read {corpus.stats.lines:,} lines, {corpus.stats.tokens:,} tokens; "
        f"{len(corpus.vocab):,} words occur >= {min_count} times ({format_duration(time.monotonic() - started)})"
    )
    return corpus


def _read_progress(path: str, stats: ReadStats) -> str:
    """Pass 1 reads and counts words, the encoding then maps them to ids (with a percentage: pass 1 knows the
    line count)."""
    if stats.phase == "encoding" and stats.total_lines:
        return f"encoding {path}: {stats.lines / stats.total_lines:.0%} ({stats.lines:,} of {stats.total_lines:,} lines)"
    return f"counting words of {path}: {stats.lines:,} lines, {format_count(stats.tokens)} tokens"
