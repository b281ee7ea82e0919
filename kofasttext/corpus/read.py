"""Reading a corpus: the text lines of a .txt, .txt.gz or a .tsv column, streamed, never held whole.

Line ends may be LF or CRLF; a UTF-8 byte-order mark on the first line is dropped; invalid UTF-8 bytes become
U+FFFD (counted, so training can warn) rather than failing the whole file; gzip is recognised by its magic bytes,
whatever the file is called. NUL bytes are kept here (counted) and read as spaces by the pretokenisers.

Two bounds keep a file that is not a corpus from being trained on:

* `check_text`: a file whose start is not text (a binary file, random bytes, text in another encoding such
  as CP949) is refused. The rule: in the first `TEXT_SAMPLE_BYTES` (1 MiB) of its content, decompressed,
  more than `MAX_NOT_TEXT_SHARE` (20%, one character in five) of the characters are NUL or other control
  characters (C0 and DEL, but tab, line feed, vertical tab, form feed and carriage return) or U+FFFD (an
  invalid UTF-8 sequence). Random bytes score about 55% and CP949 Korean about 57%; a UTF-8 corpus with a
  stray NUL or a few broken bytes, which stays trainable with a warning, well under 1%. Trainers and
  `prepare_corpus` call it unless told ``allow_binary``.
* `MAX_LINE_BYTES` (64 MiB): a longer "line" is a file without line ends, not one document per line; it
  is refused before it is held in memory whole.
"""

from __future__ import annotations

import codecs
import gzip
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..errors import CorpusError

TSV_SUFFIXES = (".tsv", ".tsv.gz")
#: How much of a file's content `check_text` judges.
TEXT_SAMPLE_BYTES = 1 << 20
#: Above this share of control characters and invalid bytes in the sample, a file is not text.
MAX_NOT_TEXT_SHARE = 0.20
#: The longest line read; a module attribute (read at call time) so that tests can lower it.
MAX_LINE_BYTES = 64 << 20
#: Bytes read at a time: lines are cut from blocks of whole lines and decoded a block at a time (`decode_block`).
READ_BLOCK_BYTES = 1 << 20
UTF8_BOM = b"\xef\xbb\xbf"
_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1f\x7f\ufffd]")


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


def check_text(path: str) -> None:
    """A `CorpusError` unless the start of ``path`` reads as UTF-8 text (the rule: the module docstring).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> noise = pathlib.Path(tempfile.mkdtemp()) / "noise.txt"
    >>> _ = noise.write_bytes(bytes(range(256)) * 40)
    >>> check_text(str(noise))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kofasttext.errors.CorpusError: .../noise.txt is not text: ...% of the characters at its start are control ...
    """
    try:
        with _open_binary(path) as handle:
            sample = handle.read(TEXT_SAMPLE_BYTES)
            cut = len(sample) == TEXT_SAMPLE_BYTES
    except (OSError, EOFError, zlib.error) as error:
        raise CorpusError(f"cannot read {path}: {error}") from None
    # Not final when the sample is cut: a character split at its end is held back, not counted as invalid.
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(sample, final=not cut).removeprefix("\ufeff")
    if not text:
        return  # an empty file: reading reports it
    share = len(_NOT_TEXT.findall(text)) / len(text)
    if share > MAX_NOT_TEXT_SHARE:
        raise CorpusError(
            f"{path} is not text: {share:.0%} of the characters at its start are control characters or invalid "
            "UTF-8 (another encoding? convert it, e.g. iconv -f cp949 -t utf-8; to read it anyway: --allow-binary, "
            "in Python allow_binary=True)"
        )


def decode_line(raw: bytes, first: bool = False) -> tuple[str, bool]:
    """One line of a file as text without its line end, and whether it was valid
    UTF-8 (invalid bytes become U+FFFD rather than failing the whole file). The
    first line of a file may start with a UTF-8 byte-order mark, which is dropped."""
    if first and raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]
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
    column_index = None
    number = 0  # lines of the file read so far
    for raw in raw_blocks(path):
        lines, invalid, nul = decode_block(raw, first=number == 0)
        stats.invalid_utf8_lines += invalid
        stats.nul_lines += nul
        for line in lines:
            number += 1
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


def raw_blocks(path: str) -> Iterator[bytes]:
    """The bytes of ``path`` (decompressed), in blocks of whole lines of about `READ_BLOCK_BYTES`: each block
    ends with a line end, but the file's last when the file has none. A line longer than `MAX_LINE_BYTES` is a
    `CorpusError` before it is held whole."""
    limit = MAX_LINE_BYTES
    size = min(READ_BLOCK_BYTES, limit + 1)  # so that a line read whole within one read is within the bound
    held: list[bytes] = []  # the start of a line not yet ended
    held_bytes = lines = 0  # its length; the lines ended so far
    try:
        with _open_binary(path) as handle:
            while data := handle.read(size):
                first_end = data.find(b"\n")
                if held_bytes + (len(data) if first_end < 0 else first_end) > limit:
                    raise CorpusError(
                        f"{path} line {lines + 1:,} is longer than {limit:,} bytes: a corpus has one document per line"
                    )
                if first_end < 0:
                    held.append(data)
                    held_bytes += len(data)
                    continue
                end = data.rfind(b"\n") + 1
                block = b"".join([*held, data[:end]])
                held, held_bytes = [data[end:]], len(data) - end
                lines += block.count(b"\n")
                yield block
            if held_bytes:
                yield b"".join(held)
    except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
        raise CorpusError(f"cannot read {path}: {error}") from None


def decode_block(raw: bytes, first: bool = False) -> tuple[list[str], int, int]:
    """The lines of a block of whole lines (`raw_blocks`) as text without their line ends, and how many of
    them had invalid UTF-8 and NUL bytes. ``first``: the block starts the file (a byte-order mark is dropped).

    A block is decoded at once (one C call, where a call per line was a tenth of the time of counting NSMC's
    words); only a block with invalid UTF-8 is decoded a line at a time (`decode_line`), so that each bad
    line is counted and its bad bytes alone replaced.

    Examples
    --------
    >>> decode_block("재밌다\\r\\n최고\\n".encode())
    (['재밌다', '최고'], 0, 0)
    """
    if first and raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]
    try:
        lines, invalid = raw.decode("utf-8").split("\n"), 0
    except UnicodeDecodeError:
        decoded = [decode_line(piece) for piece in raw.split(b"\n")]
        lines, invalid = [line for line, _ in decoded], sum(not valid for _, valid in decoded)
    if lines[-1] == "":  # after the last line end (or an empty block)
        lines.pop()
    if b"\r" in raw:
        lines = [line.rstrip("\r") for line in lines]
    nul = sum("\x00" in line for line in lines) if b"\x00" in raw else 0
    return lines, invalid, nul


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
