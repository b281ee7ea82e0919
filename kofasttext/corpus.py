"""Reading a corpus: streaming lines from .txt / .txt.gz / a TSV column, and
encoding them into an int32 array of word ids, with bounded memory, cached on disk.

Lines are split into words by the pretokeniser (`kofasttext.pretokenizers`;
default ``whitespace``, `pretokenize.split_words`), through its batched
``split_many`` so that Kiwi analyses lines on several threads. `encode_corpus`
streams the file twice: pass 1 counts words in a dict (fastText's reduce step
bounds it on corpora with more than ``MAX_DISTINCT_WORDS`` distinct words), the
vocabulary is pruned by ``min_count`` (most frequent first, ties in order of first
appearance), and pass 2 writes the kept ids to disk a chunk at a time, so the token
array is never in memory: it is memory-mapped from the cache file (a
`kofasttext.modelfile` container beside the input, or in the user cache folder),
which later calls reuse while the input is unchanged. Words below ``min_count``
are dropped from the text (windows close over them), as in fastText.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain, repeat

import numpy as np

from .errors import CorpusError, ModelFileError
from .modelfile import read_model_file, write_model_file
from .pretokenizers import Pretokenizer, create
from .vocab import Vocabulary

TSV_SUFFIXES = (".tsv", ".tsv.gz")


@dataclass
class ReadStats:
    """What reading a corpus found, for messages and the model's config."""

    lines: int = 0
    tokens: int = 0
    invalid_utf8_lines: int = 0
    nul_lines: int = 0
    warnings: list[str] = field(default_factory=list)
    #: Which pass is reporting progress: ``"counting"`` (pass 1) or ``"encoding"`` (pass 2).
    phase: str = ""
    #: In pass 2, the number of lines pass 1 read (for a percentage); 0 before.
    total_lines: int = 0


def _open_binary(path: str):
    if not os.path.exists(path):
        raise CorpusError(f"corpus not found: {path}")
    if os.path.isdir(path):
        raise CorpusError(f"corpus is a directory, not a file: {path}")
    with open(path, "rb") as probe:
        head = probe.read(2)
    if head == b"\x1f\x8b":  # gzip magic, whatever the file is called
        return gzip.open(path, "rb")
    if head in (b"\xff\xfe", b"\xfe\xff"):
        raise CorpusError(f"{path} is UTF-16 text; convert it to UTF-8 first")
    return open(path, "rb")


def decode_line(raw: bytes, first: bool = False) -> tuple[str, bool]:
    """One line of a file as text without its line end, and whether it was valid
    UTF-8 (invalid bytes become U+FFFD rather than failing the whole file). The
    first line of a file may start with a UTF-8 byte-order mark, which is dropped."""
    if first and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8").rstrip("\r\n"), True
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace").rstrip("\r\n"), False


def iter_lines(path: str, column: str | int | None = None, stats: ReadStats | None = None) -> Iterator[str]:
    """Stream the text lines of a corpus file.

    Parameters
    ----------
    path : str
        ``.txt`` or gzip-compressed text, one document per line; or a ``.tsv``
        (optionally ``.gz``) file with a header line, read from one ``column``.
    column : str or int, optional
        The TSV column to read: a header name (``"document"``) or a 0-based index.
    stats : ReadStats, optional
        Filled with line counts and with how many lines had invalid UTF-8 (decoded
        with U+FFFD in place of the bad bytes) or NUL bytes.

    Line ends may be LF or CRLF; a UTF-8 byte-order mark is skipped.
    """
    stats = stats if stats is not None else ReadStats()
    is_tsv = path.lower().endswith(TSV_SUFFIXES)
    if column is not None and not is_tsv:
        raise CorpusError(f"--column is for .tsv files; {path} is read as plain text")
    try:
        with _open_binary(path) as handle:
            column_index = None
            for number, raw in enumerate(handle, start=1):
                line, valid = decode_line(raw, first=number == 1)
                stats.invalid_utf8_lines += not valid
                if "\x00" in line:
                    stats.nul_lines += 1
                if is_tsv:
                    cells = line.split("\t")
                    if column_index is None:
                        column_index = _tsv_column(path, cells, column)
                        continue
                    if column_index >= len(cells):
                        raise CorpusError(
                            f"{path} line {number} has {len(cells)} columns; column {column!r} needs {column_index + 1}"
                        )
                    line = cells[column_index]
                stats.lines += 1
                yield line
    except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
        raise CorpusError(f"cannot read {path}: {error}") from None


def _tsv_column(path: str, header: list[str], column: str | int | None) -> int:
    if column is None:
        raise CorpusError(f"{path} is a TSV file: choose its text column with --column (header: {', '.join(header)})")
    if isinstance(column, int) or str(column).isdigit():
        index = int(column)
        if index < len(header):
            return index
    elif column in header:
        return header.index(column)
    raise CorpusError(f"{path} has no column {column!r} (header: {', '.join(header)})")


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


#: Bump when the encoding or the cache layout changes: old caches are then ignored.
CACHE_VERSION = 1
CACHE_SUFFIX = ".kftcache"
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
    folder is not writable. It is a model file (`kofasttext.modelfile`) whose key is the
    input's absolute path, size and mtime, the column, min_count, max_words, the
    pretokeniser's key and `CACHE_VERSION`; a stale or damaged cache is rebuilt.

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
        still `needs_fit` must be fitted first (`trainer.train` does that).
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
    key = None
    targets: list[str] = []
    if cache:
        key = _cache_key(path, column, min_count, max_words, pretokenizer)
        if key is not None and key["size"] >= CACHE_MIN_BYTES:
            targets = _cache_paths(key)
            for candidate in targets:
                hit = _load_cache(candidate, key)
                if hit is not None:
                    return hit

    stats = ReadStats()
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
    vocab = build_vocabulary(counts, min_count, path)
    del counts

    for target in targets:
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            return _encode_into_cache(path, column, pretokenizer, vocab, stats, on_progress, target, key)
        except OSError:
            continue  # not writable (a read-only data folder): try the next place
    return _encode_uncached(path, column, pretokenizer, vocab, stats, on_progress)


def _stats_config(stats: ReadStats) -> dict:
    return {
        "lines": stats.lines,
        "tokens": stats.tokens,
        "invalid_utf8_lines": stats.invalid_utf8_lines,
        "nul_lines": stats.nul_lines,
        "warnings": list(stats.warnings),
    }


def _cache_key(path: str, column, min_count: int, max_words: int, pretokenizer: Pretokenizer) -> dict | None:
    try:
        info = os.stat(path)
    except OSError:
        return None  # reading reports the missing file
    return {
        "kind": "encoded_corpus",
        "version": CACHE_VERSION,
        "path": os.path.abspath(path),
        "size": info.st_size,
        "mtime_ns": info.st_mtime_ns,
        "column": column,
        "min_count": int(min_count),
        "max_words": int(max_words),
        "pretokenizer": pretokenizer.key,
    }


def _cache_paths(key: dict) -> list[str]:
    """Where the cache of ``key`` may be: beside the input, then in the user cache folder.

    The name hashes the settings but not the file's size or mtime, so a changed input
    overwrites its old cache instead of leaving it behind."""
    settings = {k: key[k] for k in ("version", "column", "min_count", "max_words", "pretokenizer")}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]
    folder, name = os.path.split(key["path"])
    where = hashlib.sha256(key["path"].encode()).hexdigest()[:12]
    elsewhere = os.path.join(cache_dir(), "corpora", f"{name}.{where}.{digest}{CACHE_SUFFIX}")
    return [elsewhere] if _read_only(folder) else [os.path.join(folder, f".{name}.{digest}{CACHE_SUFFIX}"), elsewhere]


def _read_only(folder: str) -> bool:
    """True for a folder nobody may write to (mode r-x, as shared data folders are): root could
    write there anyway, but the mode says not to. Other unwritable folders fail on writing."""
    try:
        return not os.stat(folder).st_mode & 0o222 or not os.access(folder, os.W_OK)
    except OSError:
        return True


def cache_dir() -> str:
    """The user cache folder: ``$KOFASTTEXT_CACHE``, else ``$XDG_CACHE_HOME/kofasttext``, else
    ``~/.cache/kofasttext``; encoded corpora go here when their own folder is read-only, and the
    evaluator keeps its query sets here."""
    explicit = os.environ.get("KOFASTTEXT_CACHE")
    if explicit:
        return explicit
    xdg = os.environ.get("XDG_CACHE_HOME")
    return os.path.join(xdg if xdg else os.path.join(os.path.expanduser("~"), ".cache"), "kofasttext")


def _load_cache(cache_path: str, key: dict) -> EncodedCorpus | None:
    """The cached corpus, or None when there is none or it is stale or damaged."""
    if not os.path.isfile(cache_path):
        return None
    try:
        config, words, arrays = read_model_file(cache_path)
        if config.get("key") != key:
            return None
        tokens, line_starts, counts = arrays["tokens"], arrays["line_starts"], arrays["counts"]
        if (
            tokens.dtype != np.int32
            or line_starts.dtype != np.int64
            or counts.shape != (len(words),)
            or len(line_starts) < 2
            or int(line_starts[0]) != 0
            or int(line_starts[-1]) != len(tokens)
        ):
            return None
        saved = config["stats"]
        stats = ReadStats(
            lines=int(saved["lines"]),
            tokens=int(saved["tokens"]),
            invalid_utf8_lines=int(saved["invalid_utf8_lines"]),
            nul_lines=int(saved["nul_lines"]),
            warnings=[str(w) for w in saved["warnings"]],
        )
        vocab = Vocabulary(words, np.array(counts))
        tokens, line_starts = _writable_view(cache_path, tokens), _writable_view(cache_path, line_starts)
        return EncodedCorpus(tokens, line_starts, vocab, stats, cache_path, True)
    except (ModelFileError, OSError, ValueError, KeyError, TypeError):
        return None


def _writable_view(path: str, array: np.ndarray) -> np.ndarray:
    """A copy-on-write map of a read-only mapped array: torch.from_numpy takes it without a warning,
    and its pages stay shared with the page cache until written (training never writes them)."""
    if not isinstance(array, np.memmap) or array.size == 0:
        return np.array(array)
    return np.memmap(path, dtype=array.dtype, mode="c", offset=array.offset, shape=array.shape)


def _encode_into_cache(path, column, pretokenizer, vocab, stats, on_progress, cache_path, key) -> EncodedCorpus:
    folder = os.path.dirname(cache_path)
    with tempfile.TemporaryFile(dir=folder) as tokens_out, tempfile.TemporaryFile(dir=folder) as starts_out:
        ntokens, nlines = _encode_to_files(path, column, pretokenizer, vocab, tokens_out, starts_out, stats.lines, on_progress)
        starts_out.write(np.array([ntokens], dtype="<i8").tobytes())
        config = {"kind": "encoded_corpus", "key": key, "stats": _stats_config(stats)}
        sources = {
            "tokens": ("<i4", (ntokens,), tokens_out),
            "line_starts": ("<i8", (nlines + 1,), starts_out),
        }
        write_model_file(cache_path, config, vocab.words, {"counts": vocab.counts}, streamed=sources)
    corpus = _load_cache(cache_path, key)
    if corpus is None:  # pragma: no cover - the file we just wrote
        raise OSError(f"cannot read back {cache_path}")
    corpus.cache_hit = False
    return corpus


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
