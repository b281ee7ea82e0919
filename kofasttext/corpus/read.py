"""Reading a corpus: the text lines of a .txt, .txt.gz or a .tsv column, streamed, never held whole.

Line ends may be LF or CRLF; a UTF-8 byte-order mark on the first line is dropped; invalid UTF-8 bytes become
U+FFFD (counted, so training can warn) rather than failing the whole file; gzip is recognised by its magic bytes,
whatever the file is called. NUL bytes are kept here (counted) and read as spaces by the pretokenisers.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..errors import CorpusError

TSV_SUFFIXES = (".tsv", ".tsv.gz")


@dataclass
class ReadStats:
    """What reading a corpus found, for messages and the model's config."""

    lines: int = 0
    tokens: int = 0
    invalid_utf8_lines: int = 0
    nul_lines: int = 0
    warnings: list[str] = field(default_factory=list)
    #: Which phase is reporting progress: ``"counting"`` (pass 1, the read) or ``"encoding"`` (the ids written).
    phase: str = ""
    #: While encoding, the number of lines pass 1 read (for a percentage); 0 before.
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
