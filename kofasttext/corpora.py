"""Getting corpora: the published NSMC files, and one training corpus out of a folder of text.

Two jobs, both streaming (no file is ever held in memory whole) and both atomic
(outputs are written to hidden temporary files beside their final names and
renamed only once everything succeeded, so a failure or Ctrl-C never leaves a
half-written file):

- `download_nsmc` fetches ``ratings_train.txt`` and ``ratings_test.txt`` of
  e9t/nsmc and rebuilds them in the layout of the shared data folder
  (``nsmc/train.tsv``, ``nsmc/test.tsv``, ``nsmc/corpus.txt.gz``).
- `prepare_corpus` turns .txt / .gz / .jsonl files into one normalised corpus,
  one document per line.

Normalising a line means: NFC and noncharacters replaced (`hangul.normalize`),
NUL bytes read as spaces, every run of whitespace (Unicode's, so U+3000 and
NBSP too) folded to one space, leading and trailing whitespace removed.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import io
import json
import os
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .corpus import ReadStats, decode_line, iter_lines
from .errors import CorpusError, UsageError
from .hangul import normalize
from .progress import Progress, format_count

#: Where e9t/nsmc publishes the labelled split (CC0).
NSMC_BASE_URL = "https://raw.githubusercontent.com/e9t/nsmc/master/"

#: The published files and the names they are rebuilt to.
NSMC_FILES = {"ratings_train.txt": "train.tsv", "ratings_test.txt": "test.tsv"}

#: sha256 of the published files, when known. Empty on purpose: the files could
#: not be fetched where this was written, and a hash copied from memory would be
#: worse than none. Pass ``sha256=`` to `download_nsmc` to check your own.
NSMC_SHA256: dict[str, str] = {}

NSMC_HEADER = "id\tdocument\tlabel"

#: Seconds to wait before each retry of a download; their number is the default
#: number of retries. Transient failures only (see `_TRANSIENT_HTTP`).
RETRY_WAITS = (1.0, 4.0)

#: HTTP statuses worth retrying: the server or a proxy is busy, not "no such file".
_TRANSIENT_HTTP = {408, 429, 500, 502, 503, 504}

_CHUNK = 1 << 16
_ID = re.compile(r"[0-9]+")

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


# -- atomic outputs -------------------------------------------------------------------
class _PendingFile:
    """A hidden temporary file in ``final``'s folder (same file system, so the
    rename is atomic), renamed to ``final`` by `commit` or deleted by `discard`."""

    def __init__(self, final: str):
        self.final = final
        folder, name = os.path.split(os.path.abspath(final))
        while True:
            # Not tempfile.mkstemp: its 0600 mode would survive the rename; O_EXCL with
            # mode 0666 gives what `open` would (the umask applies) and never reuses a name.
            self.path = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.part")
            try:
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
                break
            except FileExistsError:
                continue

    @contextlib.contextmanager
    def open_text(self):
        """A UTF-8 text handle with LF line ends; gzip if the final name ends in .gz."""
        if self.final.endswith(".gz"):
            # mtime=0 and no file name in the header: the same text gives the same bytes.
            with (
                open(self.path, "wb") as raw,
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as packed,
                io.TextIOWrapper(packed, encoding="utf-8", newline="\n") as text,
            ):
                yield text
        else:
            with open(self.path, "w", encoding="utf-8", newline="\n") as text:
                yield text

    def commit(self) -> None:
        os.replace(self.path, self.final)

    def discard(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


# -- downloading -------------------------------------------------------------------------
def _format_bytes(count: float) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 1e5 else f"{count / 1e3:.1f} kB"


def _fetch_once(url: str, path: str, timeout: float, progress: Progress, label: str) -> str:
    """Stream ``url`` into ``path`` (truncating it) and return its sha256."""
    digest = hashlib.sha256()
    request = urllib.request.Request(url, headers={"User-Agent": "kofasttext (https://github.com/e9t/nsmc download)"})
    with urllib.request.urlopen(request, timeout=timeout) as response, open(path, "wb") as out:
        length = response.headers.get("Content-Length")
        expected = int(length) if length and length.isdigit() else None
        received = 0
        while True:
            chunk = response.read(_CHUNK)
            if not chunk:
                break
            out.write(chunk)
            digest.update(chunk)
            received += len(chunk)
            total = f" of {_format_bytes(expected)}" if expected else ""
            progress.update(f"downloading {label}: {_format_bytes(received)}{total}")
        # http.client raises IncompleteRead for a short body with a Content-Length;
        # checking again costs nothing and covers other handlers (file:, proxies).
        if expected is not None and received != expected:
            raise http.client.IncompleteRead(b"", expected - received)
    return digest.hexdigest()


def _download(url: str, path: str, *, timeout: float, retries: int, progress: Progress, label: str) -> str:
    """`_fetch_once` with retries on transient failures; a one-line CorpusError otherwise."""
    attempt = 0
    while True:
        try:
            return _fetch_once(url, path, timeout, progress, label)
        except urllib.error.HTTPError as error:
            # A 404 will still be a 404 in four seconds: only busy-server statuses are retried.
            problem = f"HTTP {error.code} {error.reason}"
            transient = error.code in _TRANSIENT_HTTP
        except TimeoutError:
            problem, transient = f"no answer within {timeout:g} s", True
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, TimeoutError):
                problem = f"no answer within {timeout:g} s"
            else:
                problem = getattr(reason, "strerror", None) or str(reason)
            # A file: URL naming no file will not appear by waiting; a refused or
            # failed connection may be a moment's trouble.
            transient = not isinstance(reason, FileNotFoundError)
        except http.client.IncompleteRead as error:
            problem, transient = f"connection lost with {_format_bytes(error.expected or 0)} still to come", True
        except (http.client.HTTPException, ConnectionError) as error:
            detail = f": {error}" if str(error) else ""
            problem, transient = f"connection lost ({type(error).__name__}{detail})", True
        if not transient or attempt >= retries:
            tries = f" (after {attempt + 1} tries)" if attempt else ""
            raise CorpusError(f"cannot download {url}: {problem}{tries}")
        wait = RETRY_WAITS[min(attempt, len(RETRY_WAITS) - 1)] if RETRY_WAITS else 0.0
        progress.message(f"download of {label} failed ({problem}); retrying in {wait:g} s")
        time.sleep(wait)
        attempt += 1


def _check_header(first_line: str, name: str) -> None:
    if first_line != NSMC_HEADER:
        shown = first_line[:60] + ("..." if len(first_line) > 60 else "")
        hint = " (an HTML page, not the data file)" if first_line.lstrip().startswith("<") else ""
        raise CorpusError(f"{name} is not an NSMC ratings file{hint}: its first line is {shown!r}, expected {NSMC_HEADER!r}")


def _first_line(path: str) -> str:
    with open(path, "rb") as handle:
        raw = handle.readline(4096)
    return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace").rstrip("\r\n")


def _rebuild_ratings(raw_path: str, name: str, table, corpus, progress: Progress, label: str) -> dict:
    """Copy one published ratings file into ``table`` (and its documents into
    ``corpus`` when given), normalised; check its format on the way."""
    kept = dropped = invalid = 0
    with open(raw_path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line, valid = decode_line(raw, first=number == 1)
            invalid += not valid
            if number == 1:
                _check_header(line, name)
                table.write(NSMC_HEADER + "\n")
                continue
            cells = line.split("\t")
            if len(cells) != 3 or not _ID.fullmatch(cells[0]) or cells[2] not in ("0", "1"):
                # A body cut off without a Content-Length to tell ends mid-line: say so.
                hint = "" if raw.endswith(b"\n") else " (the file ends mid-line: was the download cut off?)"
                raise CorpusError(f"{name} line {number} is not 'id<TAB>document<TAB>label'{hint}: {line[:60]!r}")
            document = fold_line(cells[1])
            if not document:
                dropped += 1  # the published files have a few empty reviews
                continue
            kept += 1
            table.write(f"{cells[0]}\t{document}\t{cells[2]}\n")
            if corpus is not None:
                corpus.write(document + "\n")
            progress.update(f"rebuilding {label}: {format_count(kept)} reviews")
    if kept == 0:
        raise CorpusError(f"{name} has no reviews")
    return {"kept": kept, "dropped": dropped, "invalid_utf8": invalid}


def download_nsmc(
    directory,
    base_url: str = NSMC_BASE_URL,
    progress: bool = True,
    *,
    timeout: float = 60.0,
    retries: int = len(RETRY_WAITS),
    sha256: dict[str, str] | None = None,
    overwrite: bool = False,
) -> dict:
    """Download the published NSMC split and rebuild it in kofasttext's layout.

    Fetches ``ratings_train.txt`` (150K reviews) and ``ratings_test.txt`` (50K)
    from e9t/nsmc (``id<TAB>document<TAB>label`` with a header) and writes, in
    ``directory/nsmc/``:

    - ``train.tsv``, ``test.tsv``: ``id<TAB>document<TAB>label`` with the same
      header; each review NFC-normalised (`hangul.normalize`), whitespace folded to
      single spaces; empty reviews dropped. Ids, labels and order are the published ones.
    - ``corpus.txt.gz``: the pretraining corpus, every kept *train* review, one per
      line, never a test review. Unlike the shared data folder's corpus (the whole
      raw crawl, 662K reviews) it has no neutral (5-8 star) reviews, since the
      published files have none, and only 150K lines.

    Downloads stream to hidden temporary files in ``directory/nsmc`` and every
    output is written beside its final name and renamed only when all of them are
    complete, so a failure leaves no new file behind (nor any folder this call
    made). The raw downloads are deleted at the end.

    Parameters
    ----------
    directory : str or path
        Data folder; made if missing. The files go to its ``nsmc`` subfolder, so
        the result can be given to ``kofasttext eval --data``.
    base_url : str
        Folder URL holding the two files (http, https or file); a mirror or test server.
    progress : bool
        Write progress lines to stderr.
    timeout : float
        Seconds to wait for the connection and for each read.
    retries : int
        Further tries after a transient failure (connection refused or lost,
        timeout, HTTP 408/429/5xx), after waiting `RETRY_WAITS` seconds. Other
        HTTP errors (404 ...) and files in the wrong format fail at once.
    sha256 : dict, optional
        Expected sha256 hex digest by published file name (``"ratings_train.txt"``);
        defaults to `NSMC_SHA256`, which is empty: no hash is checked unless given.
    overwrite : bool
        Replace existing ``train.tsv`` / ``test.tsv`` / ``corpus.txt.gz``. Off by
        default so that a data folder rebuilt another way (the shared one) is not
        replaced by accident.

    Returns
    -------
    dict
        ``{"directory": "DIR/nsmc", "train": {"kept", "dropped", "invalid_utf8", "sha256"},
        "test": {...}, "corpus": {"lines"}}``: reviews written and empty ones dropped
        per file (``invalid_utf8``: lines whose bad bytes became U+FFFD).

    Raises
    ------
    CorpusError
        One line: an HTTP or connection error, a hash mismatch, or a file that is
        not an NSMC ratings file (e.g. an HTML error page).
    UsageError
        Outputs exist and ``overwrite`` is false, or ``base_url`` is not a URL.

    Examples
    --------
    >>> counts = download_nsmc("data")  # doctest: +SKIP
    >>> counts["train"]["kept"] + counts["train"]["dropped"]  # doctest: +SKIP
    150000
    >>> from kofasttext.corpus import iter_lines
    >>> next(iter_lines("data/nsmc/corpus.txt.gz"))  # doctest: +SKIP
    '아 더빙.. 진짜 짜증나네요 목소리'
    >>> model = kft.train("data/nsmc/corpus.txt.gz", subwords="jamo")  # doctest: +SKIP
    """
    scheme = urllib.parse.urlsplit(base_url).scheme
    if scheme not in ("http", "https", "file"):
        raise UsageError(f"not an http(s) or file URL: {base_url!r}")
    base = base_url if base_url.endswith("/") else base_url + "/"
    expected_hashes = NSMC_SHA256 if sha256 is None else sha256
    folder = os.path.join(os.fspath(directory), "nsmc")
    finals = {name: os.path.join(folder, name) for name in ("train.tsv", "test.tsv", "corpus.txt.gz")}
    existing = [path for path in finals.values() if os.path.exists(path)]
    if existing and not overwrite:
        raise UsageError(f"{existing[0]} exists; remove it or overwrite it (--force, overwrite=True)")
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise UsageError(f"{folder} is a file; give a data folder")

    made = _make_folders(folder)
    meter = Progress(enabled=progress)
    pending: list[_PendingFile] = []
    committed = False
    try:
        raws = {}
        for name in NSMC_FILES:
            raws[name] = _PendingFile(os.path.join(folder, name))
            pending.append(raws[name])
        hashes = {}
        for name, raw in raws.items():
            hashes[name] = _download(base + name, raw.path, timeout=timeout, retries=retries, progress=meter, label=name)
            want = expected_hashes.get(name)
            if want and hashes[name] != want.lower():
                raise CorpusError(f"{name}: sha256 {hashes[name]} does not match the expected {want}")
            # Fail on an error page now, before fetching the other file.
            _check_header(_first_line(raw.path), name)
            meter.update(f"downloaded {name}: {_format_bytes(os.path.getsize(raw.path))}", force=True)
        outputs = {name: _PendingFile(path) for name, path in finals.items()}
        pending.extend(outputs.values())
        counts: dict = {"directory": folder}
        with outputs["corpus.txt.gz"].open_text() as corpus:
            for (name, target), key in zip(NSMC_FILES.items(), ("train", "test")):
                with outputs[target].open_text() as table:
                    # Only train reviews go into the pretraining corpus: test reviews are never trained on.
                    lines_to = corpus if key == "train" else None
                    counts[key] = _rebuild_ratings(raws[name].path, name, table, lines_to, meter, target)
                    counts[key]["sha256"] = hashes[name]
        counts["corpus"] = {"lines": counts["train"]["kept"]}
        for output in outputs.values():
            output.commit()
        committed = True
        meter.message(
            f"nsmc: {counts['train']['kept']:,} train and {counts['test']['kept']:,} test reviews, "
            f"{counts['corpus']['lines']:,} corpus lines in {folder}"
        )
        return counts
    finally:
        meter.done()
        for item in pending:
            item.discard()  # the raw downloads always; the outputs unless renamed
        if not committed:
            _remove_empty(made)


def _make_folders(folder: str) -> list[str]:
    """``mkdir -p folder``; returns the folders it made, deepest first."""
    made = []
    path = os.path.abspath(folder)
    while not os.path.exists(path):
        made.append(path)
        path = os.path.dirname(path)
    try:
        for path in reversed(made):
            os.mkdir(path)
    except OSError:
        _remove_empty(made)  # e.g. a parent that is a file: leave no half-made tree
        raise
    return made


def _remove_empty(folders: list[str]) -> None:
    for path in folders:  # deepest first
        try:
            os.rmdir(path)
        except OSError:
            continue  # not made yet, or no longer empty


# -- preparing a corpus ------------------------------------------------------------------------
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


def prepare_corpus(
    sources,
    output,
    progress: bool = True,
    jsonl_field: str = "text",
    min_chars: int = 1,
    dedupe: bool = True,
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

    Returns
    -------
    PrepareStats

    Raises
    ------
    CorpusError
        A missing source, no readable file, a file that cannot be read (corrupt
        gzip, UTF-16), a jsonl line without ``jsonl_field``, or no line left to write.
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

    stats = PrepareStats(skipped_files=skipped)
    seen: set[int] = set()
    meter = Progress(enabled=progress)
    pending = _PendingFile(output)
    try:
        with pending.open_text() as out:
            for path in files:
                read = ReadStats()
                texts = _jsonl_texts(path, jsonl_field, read) if _suffix_kind(path) == "jsonl" else iter_lines(path, stats=read)
                for text in texts:
                    stats.lines_in += 1
                    line = fold_line(text)
                    if len(line) < min_chars:
                        stats.short += 1
                        continue
                    encoded = line.encode("utf-8")
                    if dedupe:
                        key = int.from_bytes(hashlib.blake2b(encoded, digest_size=8).digest(), "little")
                        if key in seen:
                            stats.duplicates += 1
                            continue
                        seen.add(key)
                    out.write(line + "\n")
                    stats.lines_out += 1
                    stats.bytes_out += len(encoded) + 1
                    if stats.lines_in % 10_000 == 0:
                        meter.update(_prepare_status(stats, len(files)))
                stats.files += 1
                stats.bytes_in += os.path.getsize(path)
                stats.invalid_utf8_lines += read.invalid_utf8_lines
        if stats.lines_out == 0:
            raise CorpusError(f"no text to write: all {stats.lines_in:,} lines of {stats.files} files were empty")
        pending.commit()
    finally:
        meter.done()
        pending.discard()
    meter.message(_prepare_status(stats, len(files)) + f" -> {output}")
    return stats


def _as_list(sources) -> list:
    return [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)


def _prepare_status(stats: PrepareStats, total_files: int) -> str:
    return (
        f"prepare: {stats.files}/{total_files} files, {format_count(stats.lines_in)} lines in, "
        f"{format_count(stats.lines_out)} out ({format_count(stats.duplicates)} duplicates, "
        f"{format_count(stats.short)} empty or short)"
    )
