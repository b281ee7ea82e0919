"""Reading a corpus: streaming lines from .txt / .txt.gz / a TSV column, and
encoding them once into an int32 array of word ids.

One pass over the file does everything string-related: each line is split into
words by the pretokeniser (`kofasttext.pretokenizers`; default ``whitespace``,
`pretokenize.split_words`), its batched ``split_many`` so that Kiwi analyses
lines on several threads, each new word gets a provisional id, and the
provisional ids go into a growing int32 buffer. Counting is then a ``bincount``,
and pruning by ``min_count`` a remap of that array, so a 5M-token corpus lives
as 20 MB of int32, never as Python lists of strings. Words below ``min_count``
are dropped from the text (windows close over them), as in fastText.
"""

from __future__ import annotations

import gzip
import os
import zlib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from .errors import CorpusError
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
        Word ids of every kept token, lines concatenated.
    line_starts : np.ndarray of int64
        ``tokens[line_starts[i]:line_starts[i+1]]`` is line i (lines with no kept
        token are left out); training windows never cross a line.
    vocab : Vocabulary
    stats : ReadStats
    """

    tokens: np.ndarray
    line_starts: np.ndarray
    vocab: Vocabulary
    stats: ReadStats


def encode_corpus(
    path: str,
    min_count: int = 5,
    column: str | int | None = None,
    on_progress: Callable[[ReadStats], None] | None = None,
    pretokenizer: Pretokenizer | str | None = None,
) -> EncodedCorpus:
    """Read ``path`` once, build its vocabulary and encode it.

    Parameters
    ----------
    path, column : as for `iter_lines`.
    min_count : int
        Words seen fewer times are dropped from the vocabulary and the text.
    on_progress : callable, optional
        Called with the read statistics every 50,000 lines.
    pretokenizer : Pretokenizer or spec, optional
        How lines become words (default ``"whitespace"``); a pretokeniser that
        still `needs_fit` must be fitted first (`trainer.train` does that).

    Examples
    --------
    >>> corpus = encode_corpus("corpora/demo_ko.txt", min_count=5)
    >>> corpus.vocab.words[:3]
    ['.', ',', '너무']
    """
    pretokenizer = create(pretokenizer)
    stats = ReadStats()
    provisional: dict[str, int] = {}
    lookup = provisional.get
    ids = array("i")
    line_lengths = array("q")
    # A batched pretokeniser reads lines ahead of the words it gives back, so progress
    # counts the lines whose words are in, not ``stats.lines``.
    for done, words in enumerate(pretokenizer.split_many(iter_lines(path, column, stats)), start=1):
        for word in words:
            wid = lookup(word)
            if wid is None:
                wid = provisional[word] = len(provisional)
            ids.append(wid)
        line_lengths.append(len(words))
        if on_progress is not None and done % 50_000 == 0:
            stats.tokens = len(ids)
            on_progress(stats)
    stats.tokens = len(ids)
    if stats.invalid_utf8_lines:
        stats.warnings.append(f"{stats.invalid_utf8_lines} lines had invalid UTF-8 bytes (replaced by U+FFFD)")
    if stats.nul_lines:
        stats.warnings.append(f"{stats.nul_lines} lines had NUL bytes (read as spaces)")
    if not ids:
        raise CorpusError(f"corpus {path} has no words ({stats.lines} lines)")

    raw = np.frombuffer(ids, dtype=np.int32)
    counts = np.bincount(raw, minlength=len(provisional))
    # Most frequent first; ties keep first-appearance order, so the vocabulary is
    # the same on every run.
    order = np.lexsort((np.arange(len(counts)), -counts))
    order = order[counts[order] >= min_count]
    if len(order) == 0:
        top = int(np.argmax(counts))
        top_word = next(w for w, i in provisional.items() if i == top)
        raise CorpusError(
            f"no word of {path} occurs min_count={min_count} times "
            f"(the most frequent, {top_word!r}, occurs {counts[top]}); lower --min-count"
        )
    remap = np.full(len(counts), -1, dtype=np.int32)
    remap[order] = np.arange(len(order), dtype=np.int32)
    mapped = remap[raw]
    kept = mapped >= 0
    tokens = mapped[kept]
    line_of_token = np.repeat(np.arange(len(line_lengths), dtype=np.int32), np.frombuffer(line_lengths, dtype=np.int64))
    kept_per_line = np.bincount(line_of_token[kept], minlength=len(line_lengths))
    kept_per_line = kept_per_line[kept_per_line > 0]
    line_starts = np.concatenate([[0], np.cumsum(kept_per_line)]).astype(np.int64)

    words_by_provisional = list(provisional)
    words = [words_by_provisional[i] for i in order]
    vocab = Vocabulary(words, counts[order].astype(np.int64))
    return EncodedCorpus(tokens, line_starts, vocab, stats)
