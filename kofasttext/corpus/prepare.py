"""Preparing a training corpus: .txt / .gz / .jsonl files (or folders of them) into one normalised corpus,
one document per line (`prepare_corpus`).

Normalising a line (`fold_line`) means: NFC and noncharacters replaced (`hangul.normalize`), NUL bytes read as
spaces, every run of whitespace (Unicode's, so U+3000 and NBSP too) folded to one space, leading and trailing
whitespace removed. The output is streamed (no file is ever held in memory whole) and written atomically
(`files.atomic_write`), so a failure or Ctrl-C never leaves a half-written corpus.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError, UsageError
from ..files import atomic_write, text_writer
from ..hangul import normalize
from ..progress import Progress, format_count
from .read import ReadStats, check_text, iter_lines

#: Suffixes `prepare_corpus` reads, longest first so ``.jsonl.gz`` wins over ``.gz``.
TEXT_SUFFIXES = (".txt.gz", ".txt", ".gz")
JSONL_SUFFIXES = (".jsonl.gz", ".jsonl")


def fold_line(text: str) -> str:
    """One normalised line: NFC, NUL as space, whitespace runs folded to one space.

    Examples
    --------
    >>> fold_line(" 정말\\u3000재밌다   ㅋㅋ\\t")
    '정말 재밌다 ㅋㅋ'
    >>> import unicodedata
    >>> fold_line(unicodedata.normalize("NFD", "몰랐다")) == "몰랐다"
    True
    """
    return " ".join(normalize(text.replace("\x00", " ")).split())


@dataclass
class PrepareStats:
    """What `prepare_corpus` read and wrote.

    Attributes
    ----------
    files : int
        Source files read.
    lines_in : int
        Lines (jsonl: records) read.
    lines_out : int
        Lines written.
    short : int
        Lines dropped as empty or shorter than ``min_chars`` after normalising.
    duplicates : int
        Lines dropped as exact repeats of an earlier output line.
    bytes_in : int
        Size of the source files on disk.
    bytes_out : int
        UTF-8 bytes of the written text (before compression), line ends included.
    invalid_utf8_lines : int
        Lines whose invalid UTF-8 bytes were replaced by U+FFFD.
    skipped_files : int
        Files in source folders without a readable suffix (README.md, ...).
    """

    files: int = 0
    lines_in: int = 0
    lines_out: int = 0
    short: int = 0
    duplicates: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    invalid_utf8_lines: int = 0
    skipped_files: int = 0


def _suffix_kind(path: str) -> str | None:
    lower = path.lower()
    if lower.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if lower.endswith(TEXT_SUFFIXES):
        return "text"
    return None


def _sort_key(relative: str) -> tuple[str, ...]:
    # Path components compared one by one, by code point: the same order on
    # every machine and locale, a folder's files together.
    return tuple(Path(relative).parts)


def _collect_sources(sources, exclude: Iterable[str] = ()) -> tuple[list[str], int]:
    """The files `prepare_corpus` reads, in reading order, and how many it skipped.

    Arguments keep their order; a folder is searched recursively and its files
    are taken in sorted path order (hidden files and folders left out, as are
    files whose suffix is not one of .txt, .gz, .jsonl, .jsonl.gz). A file named
    twice is read once; paths in ``exclude`` (the output) are never read.
    """
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    seen = {os.path.realpath(path) for path in exclude}
    files: list[str] = []
    skipped = 0
    for source in sources:
        source = os.fspath(source)
        if os.path.isdir(source):
            found = []
            for root, folders, names in os.walk(source):
                folders[:] = [folder for folder in folders if not folder.startswith(".")]
                for name in names:
                    if name.startswith("."):
                        continue
                    path = os.path.join(root, name)
                    if _suffix_kind(name) is None:
                        skipped += 1
                    else:
                        found.append(path)
            candidates = sorted(found, key=lambda path: _sort_key(os.path.relpath(path, source)))
        elif os.path.isfile(source):
            if _suffix_kind(source) is None:
                raise CorpusError(f"cannot read {source}: expected .txt, .txt.gz, .gz, .jsonl or .jsonl.gz")
            candidates = [source]
        else:
            raise CorpusError(f"corpus source not found: {source}")
        for path in candidates:
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                files.append(path)
    return files, skipped


def _jsonl_texts(path: str, field: str, stats: ReadStats) -> Iterator[str]:
    for number, line in enumerate(iter_lines(path, stats=stats), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise CorpusError(f"{path} line {number} is not JSON ({error.msg})") from None
        if not isinstance(record, dict) or field not in record:
            keys = ", ".join(map(str, record)) if isinstance(record, dict) else type(record).__name__
            raise CorpusError(f"{path} line {number} has no {field!r} field (it has: {keys}); choose one with --jsonl-field")
        value = record[field]
        if value is None:
            yield ""  # counted as a short line, like an empty string
        elif isinstance(value, str):
            yield value
        else:
            raise CorpusError(f"{path} line {number}: the {field!r} field is {type(value).__name__}, not a string")


# Long for its docstring (what normalising means, every option); the code is check, collect, copy each file.
def prepare_corpus(
    sources,
    output,
    progress: bool = True,
    jsonl_field: str = "text",
    min_chars: int = 1,
    dedupe: bool = True,
    allow_binary: bool = False,
) -> PrepareStats:
    """Stream text files into one normalised training corpus, one document per line.

    Every line (every record of a .jsonl file) is NFC-normalised
    (`hangul.normalize`), NUL bytes become spaces, runs of whitespace are folded to
    one space and the ends stripped. Lines then shorter than ``min_chars``
    characters (empty ones always) are dropped, and with ``dedupe`` every exact
    repeat of an earlier output line. Invalid UTF-8 bytes become U+FFFD, as in
    `kofasttext.corpus.iter_lines`, which reads every file (gzip is recognised by
    its magic bytes).

    Parameters
    ----------
    sources : str, path, or list of them
        Files or folders. Folders are searched recursively and read in sorted path
        order (by code point, so the output is the same on every machine); the
        arguments themselves keep their order. Read: ``.txt``, ``.txt.gz``, ``.gz``
        (a document per line) and ``.jsonl``, ``.jsonl.gz`` (a JSON object per
        line, its text in ``jsonl_field``). In folders, other files and hidden
        ones are skipped (counted in ``skipped_files``); a file named explicitly
        with another suffix is an error.
    output : str or path
        ``.gz`` for gzip-compressed output, anything else for plain UTF-8 text.
        Written to a temporary file beside it and renamed when complete; the
        output itself is never read as a source, even inside a source folder.
    progress : bool
        Write progress lines to stderr.
    jsonl_field : str
        The text field of .jsonl records. A record without it (or a line that is
        not a JSON object) is an error naming file and line, not skipped: a wrong
        field name would otherwise quietly give an empty corpus. A ``null`` value
        counts as an empty line; a number or list is an error.
    min_chars : int
        Shortest line kept, in characters after normalising.
    dedupe : bool
        Drop exact duplicate lines (after normalising), keeping the first. Memory:
        one 64-bit BLAKE2b hash per distinct line in a Python set, about 70 bytes
        each (up to ~100 just after the set grows) whatever the line's length:
        ~0.7 GB for 10M distinct lines; turn it off for larger corpora. Two
        different lines share a hash with probability ~n^2 / 2^65 (3e-6 for
        10M lines), and then the later one is dropped.
    allow_binary : bool
        Read a source whose start is not text too; by default one is refused (`kofasttext.corpus.check_text`).

    Returns
    -------
    PrepareStats

    Raises
    ------
    CorpusError
        A missing source, no readable file, a file that cannot be read (corrupt
        gzip, UTF-16, not text), a jsonl line without ``jsonl_field``, or no line left to write.
    UsageError
        ``output`` is a folder or its folder does not exist; ``min_chars`` < 1.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("영화   정말 재밌다\\n\\n영화 정말 재밌다\\n", encoding="utf-8")
    >>> _ = (folder / "b.jsonl").write_text('{"text": "배우\\u3000연기 최고"}\\n', encoding="utf-8")
    >>> stats = prepare_corpus(folder, folder / "corpus.txt", progress=False)
    >>> (folder / "corpus.txt").read_text(encoding="utf-8").splitlines()
    ['영화 정말 재밌다', '배우 연기 최고']
    >>> stats.lines_in, stats.lines_out, stats.short, stats.duplicates
    (4, 2, 1, 1)
    >>> import shutil; shutil.rmtree(folder)
    """
    output = os.fspath(output)
    if min_chars < 1:
        raise UsageError(f"min_chars must be at least 1, got {min_chars}")
    if os.path.isdir(output):
        raise UsageError(f"output {output} is a folder; give a file name")
    parent = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(parent):
        raise UsageError(f"output folder does not exist: {parent}")
    files, skipped = _collect_sources(sources, exclude=[output])
    if not files:
        raise CorpusError("no .txt, .gz or .jsonl file found in " + ", ".join(map(str, _as_list(sources))))

    if not allow_binary:
        for path in files:  # before anything is written: a binary file among many sources fails at once
            check_text(path)
    stats = PrepareStats(skipped_files=skipped)
    meter = Progress(enabled=progress)
    try:
        with atomic_write(output) as binary, text_writer(binary, compress=output.endswith(".gz")) as out:
            seen: set[int] | None = set() if dedupe else None
            report = lambda: meter.update(_prepare_status(stats, len(files)))  # noqa: E731
            for path in files:
                _copy_file(path, out, stats, seen, jsonl_field, min_chars, report)
            if stats.lines_out == 0:
                raise CorpusError(f"no text to write: all {stats.lines_in:,} lines of {stats.files} files were empty")
    finally:
        meter.done()
    meter.message(_prepare_status(stats, len(files)) + f" -> {output}")
    return stats


def _copy_file(path: str, out, stats: PrepareStats, seen: set[int] | None, jsonl_field: str, min_chars: int, report) -> None:
    """Write the normalised lines of one source file to ``out``, counting in ``stats``; ``seen`` holds the
    hashes of the lines written so far (None: keep duplicates); ``report()`` every 10,000 lines read."""
    read = ReadStats()
    texts = _jsonl_texts(path, jsonl_field, read) if _suffix_kind(path) == "jsonl" else iter_lines(path, stats=read)
    for text in texts:
        stats.lines_in += 1
        if stats.lines_in % 10_000 == 0:
            report()
        line = fold_line(text)
        if len(line) < min_chars:
            stats.short += 1
            continue
        encoded = line.encode("utf-8")
        if seen is not None:
            key = int.from_bytes(hashlib.blake2b(encoded, digest_size=8).digest(), "little")
            if key in seen:
                stats.duplicates += 1
                continue
            seen.add(key)
        out.write(line + "\n")
        stats.lines_out += 1
        stats.bytes_out += len(encoded) + 1
    stats.files += 1
    stats.bytes_in += os.path.getsize(path)
    stats.invalid_utf8_lines += read.invalid_utf8_lines


def _as_list(sources) -> list:
    return [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)


def _prepare_status(stats: PrepareStats, total_files: int) -> str:
    return (
        f"prepare: {stats.files}/{total_files} files, {format_count(stats.lines_in)} lines in, "
        f"{format_count(stats.lines_out)} out ({format_count(stats.duplicates)} duplicates, "
        f"{format_count(stats.short)} empty or short)"
    )
