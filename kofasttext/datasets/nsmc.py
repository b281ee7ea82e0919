"""The NSMC review corpus: download the published split of e9t/nsmc (CC0) and rebuild it in the layout of the
shared data folder (``nsmc/train.tsv``, ``nsmc/test.tsv``, ``nsmc/corpus.txt.gz``).

Streaming (no file is ever held in memory whole) and all-or-nothing: downloads go to hidden temporary files,
every output is written beside its final name (`files.PendingFile`) and all are renamed only once everything
succeeded, so a failure or Ctrl-C never leaves a half-written file. Reviews are normalised with
`corpus.prepare.fold_line`.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from ..corpus.prepare import fold_line
from ..corpus.read import decode_line
from ..errors import CorpusError, UsageError
from ..files import PendingFile, text_writer
from ..progress import Progress, format_count

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


# Long for its docstring (the files it writes, every failure it reports); the code is check, fetch, rebuild.
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
    folder = os.path.join(os.fspath(directory), "nsmc")
    finals = {name: os.path.join(folder, name) for name in ("train.tsv", "test.tsv", "corpus.txt.gz")}
    existing = [path for path in finals.values() if os.path.exists(path)]
    if existing and not overwrite:
        raise UsageError(f"{existing[0]} exists; remove it or overwrite it (--force, overwrite=True)")
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise UsageError(f"{folder} is a file; give a data folder")

    made = _make_folders(folder)
    meter = Progress(enabled=progress)
    raws: dict[str, str] = {}  # published name -> its download, a hidden scratch file in ``folder``
    committed = False
    try:
        base = base_url if base_url.endswith("/") else base_url + "/"
        hashes = {}
        for name in NSMC_FILES:
            raws[name] = _scratch_file(folder, name)
            hashes[name] = _download(base + name, raws[name], timeout=timeout, retries=retries, progress=meter, label=name)
            want = (NSMC_SHA256 if sha256 is None else sha256).get(name)
            if want and hashes[name] != want.lower():
                raise CorpusError(f"{name}: sha256 {hashes[name]} does not match the expected {want}")
            # Fail on an error page now, before fetching the other file.
            _check_header(_first_line(raws[name]), name)
            meter.update(f"downloaded {name}: {_format_bytes(os.path.getsize(raws[name]))}", force=True)
        counts = {"directory": folder, **_rebuild_all(raws, hashes, finals, meter)}
        committed = True
        meter.message(
            f"nsmc: {counts['train']['kept']:,} train and {counts['test']['kept']:,} test reviews, "
            f"{counts['corpus']['lines']:,} corpus lines in {folder}"
        )
        return counts
    finally:
        meter.done()
        for path in raws.values():
            os.unlink(path)
        if not committed:
            _remove_empty(made)


def _scratch_file(folder: str, name: str) -> str:
    """A new, empty, hidden file in ``folder`` for the download of ``name``; the caller removes it."""
    handle, path = tempfile.mkstemp(prefix=f".{name}.", suffix=".download", dir=folder)
    os.close(handle)
    return path


def _rebuild_all(raws: dict[str, str], hashes: dict[str, str], finals: dict[str, str], meter: Progress) -> dict:
    """Rebuild both downloads into the three outputs, which appear together or not at all."""
    outputs = {name: PendingFile(path) for name, path in finals.items()}
    try:
        counts: dict = {}
        with text_writer(outputs["corpus.txt.gz"].file, compress=True) as corpus:
            for (name, target), key in zip(NSMC_FILES.items(), ("train", "test")):
                with text_writer(outputs[target].file) as table:
                    # Only train reviews go into the pretraining corpus: test reviews are never trained on.
                    lines_to = corpus if key == "train" else None
                    counts[key] = _rebuild_ratings(raws[name], name, table, lines_to, meter, target)
                    counts[key]["sha256"] = hashes[name]
        counts["corpus"] = {"lines": counts["train"]["kept"]}
        for output in outputs.values():
            output.commit()
        return counts
    finally:
        for output in outputs.values():
            output.discard()  # a no-op for the committed ones


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


