"""Encoding a corpus: its vocabulary and its text as one int32 array of word ids, in two streaming passes.

Lines are split into words by the pretokeniser (`kofasttext.pretokenizers`; default ``whitespace``), through
its batched ``split_many`` so that Kiwi analyses lines on several threads. `encode_corpus` streams the file
twice: pass 1 counts words in a dict (fastText's reduce step bounds it on corpora with more than
``MAX_DISTINCT_WORDS`` distinct words), the vocabulary is pruned by ``min_count`` (most frequent first, ties in
order of first appearance), and pass 2 writes the kept ids to disk a chunk at a time, so the token array is
never in memory: it is memory-mapped from the cache file (`kofasttext.corpus.cache`) or a temporary file. Words
below ``min_count`` are dropped from the text (windows close over them), as in fastText.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np

from ..errors import CorpusError
from ..pretokenizers import Pretokenizer, create
from ..progress import Progress, format_count, format_duration
from ..vocab import Vocabulary
from .cache import cache_key, cache_paths, load_cache, store_cache
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
#: Pass 2 encodes and writes this many tokens at a time.
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


def count_words(
    path: str,
    column: str | int | None,
    pretokenizer: Pretokenizer,
    stats: ReadStats,
    on_progress: Callable[[ReadStats], None] | None = None,
    max_words: int = MAX_DISTINCT_WORDS,
) -> tuple[dict[str, int], int]:
    """Pass 1: the count of every word, in order of first appearance, and the final ``min_reduce``.

    Memory is the dictionary of distinct words. When it grows past ``max_words``
    the words seen fewer than ``min_reduce`` times so far are dropped and
    ``min_reduce`` goes up by one (fastText's and word2vec's reduce step); the
    counts of words below the final ``min_reduce`` are then approximate, and a
    word dropped and seen again counts from zero and moves to its new first appearance.
    """
    counts: dict[str, int] = {}
    min_reduce = 1
    tokens = 0
    batch: list[list[str]] = []
    stats.phase = "counting"
    for done, words in enumerate(pretokenizer.split_many(iter_lines(path, column, stats)), start=1):
        batch.append(words)
        if len(batch) >= _COUNT_BATCH_LINES:
            tokens += _count_batch(counts, batch)
            batch = []
            while len(counts) > max_words:
                min_reduce += 1
                counts = _reduce(counts, min_reduce)
        if on_progress is not None and done % _PROGRESS_LINES == 0:
            stats.tokens = tokens + sum(map(len, batch))
            on_progress(stats)
    tokens += _count_batch(counts, batch)
    while len(counts) > max_words:
        min_reduce += 1
        counts = _reduce(counts, min_reduce)
    stats.tokens = tokens
    return counts, min_reduce


def _count_batch(counts: dict[str, int], batch: list[list[str]]) -> int:
    _count_elements(counts, chain.from_iterable(batch))
    return sum(map(len, batch))


def build_vocabulary(counts: dict[str, int], min_count: int, path: str) -> Vocabulary:
    """Words seen at least ``min_count`` times, most frequent first, ties in order of first appearance."""
    words = list(counts)
    values = np.fromiter(counts.values(), dtype=np.int64, count=len(words))
    order = np.lexsort((np.arange(len(values)), -values))
    order = order[values[order] >= min_count]
    if len(order) == 0:
        top = int(np.argmax(values))
        raise CorpusError(
            f"no word of {path} occurs min_count={min_count} times "
            f"(the most frequent, {words[top]!r}, occurs {values[top]}); lower --min-count"
        )
    return Vocabulary([words[i] for i in order], values[order])


def _encode_to_files(
    path: str,
    column: str | int | None,
    pretokenizer: Pretokenizer,
    vocab: Vocabulary,
    tokens_out,
    starts_out,
    total_lines: int,
    on_progress: Callable[[ReadStats], None] | None,
) -> tuple[int, int]:
    """Pass 2: write the kept word ids (int32) and the line starts (int64, without the final
    end) to two binary files, ``CHUNK_TOKENS`` tokens at a time. Returns (tokens, lines) written."""
    index = {word: i for i, word in enumerate(vocab.words)}
    get = index.get
    progress = ReadStats(phase="encoding", total_lines=total_lines)
    written = lines_written = 0
    batch: list[list[str]] = []
    batch_tokens = 0

    def flush() -> None:
        nonlocal written, lines_written
        if not batch:
            return
        flat = list(chain.from_iterable(batch))
        ids = np.fromiter(map(get, flat, repeat(-1, len(flat))), dtype=np.int32, count=len(flat))
        lengths = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
        kept = ids >= 0
        # Kept tokens per line: a running count of kept tokens, read at each line's end.
        ends = np.cumsum(lengths)
        kept_before = np.concatenate(([0], np.cumsum(kept, dtype=np.int64)))
        kept_per_line = kept_before[ends] - kept_before[ends - lengths]
        kept_per_line = kept_per_line[kept_per_line > 0]
        starts = written + np.concatenate(([0], np.cumsum(kept_per_line)))[:-1].astype(np.int64)
        tokens_out.write(ids[kept].astype("<i4", copy=False).tobytes())
        starts_out.write(starts.astype("<i8", copy=False).tobytes())
        written += int(kept.sum())
        lines_written += len(kept_per_line)
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
    return written, lines_written


def encode_corpus(
    path: str,
    min_count: int = 5,
    column: str | int | None = None,
    on_progress: Callable[[ReadStats], None] | None = None,
    pretokenizer: Pretokenizer | str | None = None,
    cache: bool = True,
    max_words: int = MAX_DISTINCT_WORDS,
) -> EncodedCorpus:
    """Build the vocabulary of ``path`` and encode it as word ids, in two streaming passes.

    Pass 1 counts words (a dict of distinct words); pass 2 reads the file again and
    writes the kept ids to disk ``CHUNK_TOKENS`` (1M) tokens at a time, then the
    tokens are memory-mapped. Peak memory is therefore the word-count dictionary
    (about 150-200 bytes per distinct word, at most ``max_words`` words) plus one
    chunk (~1M tokens as Python strings, ~100 MB) -- not the token array, which lives
    in the file and the page cache. The vocabulary is the same as a one-pass count
    would give: most frequent first, ties in order of first appearance.

    If a corpus has more than ``max_words`` distinct words, counting drops the words
    seen fewer than a rising ``min_reduce`` threshold as it goes, as fastText and
    word2vec do; the counts of words below the final threshold are then approximate
    (only matters when ``min_count`` is below it).

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
        Called with the read statistics every 50,000 lines of each pass;
        ``stats.phase`` is ``"counting"`` or ``"encoding"`` (the latter with
        ``stats.total_lines`` set, for a percentage).
    pretokenizer : Pretokenizer or spec, optional
        How lines become words (default ``"whitespace"``); a pretokeniser that
        still `needs_fit` must be fitted first (`fit_pretokenizer`).
    cache : bool
        Reuse and write the cache file (default True).
    max_words : int
        The most distinct words counting keeps before reducing (see above).

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
    vocab = _vocabulary(path, column, pretokenizer, stats, on_progress, min_count, max_words)
    for target in targets:
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            return _encode_into_cache(path, column, pretokenizer, vocab, stats, on_progress, target, key)
        except OSError:
            continue  # not writable (a read-only data folder): try the next place
    return _encode_uncached(path, column, pretokenizer, vocab, stats, on_progress)


def _vocabulary(path, column, pretokenizer, stats: ReadStats, on_progress, min_count: int, max_words: int) -> Vocabulary:
    """Pass 1 and the vocabulary it gives; what reading found goes into ``stats.warnings``."""
    counts, min_reduce = count_words(path, column, pretokenizer, stats, on_progress, max_words)
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
    return build_vocabulary(counts, min_count, path)


def _encode_into_cache(path, column, pretokenizer, vocab, stats, on_progress, cache_path, key) -> EncodedCorpus:
    folder = os.path.dirname(cache_path)
    with tempfile.TemporaryFile(dir=folder) as tokens_out, tempfile.TemporaryFile(dir=folder) as starts_out:
        ntokens, nlines = _encode_to_files(path, column, pretokenizer, vocab, tokens_out, starts_out, stats.lines, on_progress)
        starts_out.write(np.array([ntokens], dtype="<i8").tobytes())
        store_cache(cache_path, key, vocab, stats, tokens_out, ntokens, starts_out, nlines)
    stored = load_cache(cache_path, key)
    if stored is None:  # pragma: no cover - the file we just wrote
        raise OSError(f"cannot read back {cache_path}")
    return EncodedCorpus(*stored, cache_path=cache_path, cache_hit=False)


def _encode_uncached(path, column, pretokenizer, vocab, stats, on_progress) -> EncodedCorpus:
    with tempfile.TemporaryFile() as tokens_out:
        starts_out = io.BytesIO()
        ntokens, _ = _encode_to_files(path, column, pretokenizer, vocab, tokens_out, starts_out, stats.lines, on_progress)
        starts_out.write(np.array([ntokens], dtype="<i8").tobytes())
        tokens_out.flush()
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


def encode_with_progress(path: str, min_count: int, column, pretokenizer: Pretokenizer, bar: Progress) -> EncodedCorpus:
    """`encode_corpus` (cached) with its progress, its warnings and a closing summary on ``bar``."""
    started = time.monotonic()
    corpus = encode_corpus(
        path, min_count, column, on_progress=lambda stats: bar.update(_read_progress(path, stats)), pretokenizer=pretokenizer
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
    """Pass 1 counts words, pass 2 encodes them (with a percentage: pass 1 knows the line count)."""
    if stats.phase == "encoding" and stats.total_lines:
        return f"encoding {path}: {stats.lines / stats.total_lines:.0%} ({stats.lines:,} of {stats.total_lines:,} lines)"
    return f"counting words of {path}: {stats.lines:,} lines, {format_count(stats.tokens)} tokens"
