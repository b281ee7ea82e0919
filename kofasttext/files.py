"""The one way kofasttext writes a file: atomically, so a crash, a full disk or Ctrl-C never leaves half of one.

`atomic_write` opens a temporary file in the target's own folder (the same file system, so the final rename is
atomic), hands it to the caller, and only when the block ends without an error flushes it, fsyncs it (the data
is on disk before the name points at it) and renames it over the target. On any error, KeyboardInterrupt
included, the temporary file is removed and the target is left as it was. `PendingFile` is the same in two
steps, for outputs that must appear together or not at all (`kofasttext.datasets.nsmc` renames its three files
only when all are complete).

Permissions: the new file takes the mode of the file it replaces, or what ``open()`` gives a new file (0666
less the umask); `tempfile.mkstemp`'s private 0600 would otherwise survive the rename.

A process killed while writing (SIGKILL, a power cut) cannot remove its temporary. Such a file is never taken
for the target: it is hidden, named ``.NAME.XXXXXXXX.part`` with a random part no later writer reuses
(``mkstemp`` creates exclusively), and nothing reads ``.part`` files. It is removed by the next write of the same
target: every writer holds an exclusive ``flock`` on its temporary from creation until the rename, and the
kernel drops the lock when its process dies, so a temporary of this target that can be locked is a dead
writer's and is deleted, while a live writer's (another process saving the same file) is left alone. A writer
checks after locking that its name still points at its file (a sweep between creating and locking could have
removed it) and starts again if not.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import re
import tempfile
from collections.abc import Iterator
from typing import BinaryIO, TextIO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, so no sweeping of stale temporaries
    fcntl = None


def _mode_for(path: str) -> int:
    """The mode of the file at ``path``, or what open() would give a new one."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


class PendingFile:
    """A hidden temporary file beside ``path`` (``.NAME.XXXX.part``), open for binary reading and writing in
    `file`; `commit` puts it in place of ``path``, `discard` removes it (a no-op after `commit`)."""

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        folder, name = os.path.split(os.path.abspath(self.path))
        remove_stale_temporaries(folder, name)
        self.file: BinaryIO
        try:
            self.file, self.temporary = _locked_temporary(folder, name)
        except OSError as error:  # an unwritable folder: name the file asked for, not the temporary
            raise OSError(error.errno, error.strerror, self.path) from None

    def commit(self) -> None:
        self.file.flush()
        os.fsync(self.file.fileno())
        os.chmod(self.temporary, _mode_for(self.path))
        os.replace(self.temporary, self.path)  # still locked: no sweep can remove it before the rename
        self.temporary = None
        self.file.close()

    def discard(self) -> None:
        if self.temporary is not None:  # removed before the lock goes with the close
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.temporary)
            self.temporary = None
        with contextlib.suppress(OSError):  # closing flushes what is buffered: on a full disk that fails again
            self.file.close()


def _temporary_name(name: str) -> re.Pattern:
    """What `tempfile.mkstemp` names a temporary of target ``name``: ``.NAME.`` + 8 random characters + ``.part``."""
    return re.compile(re.escape(f".{name}.") + r"[A-Za-z0-9_]{8}" + re.escape(".part"))


def _locked_temporary(folder: str, name: str) -> tuple[BinaryIO, str]:
    """A new temporary file of target ``name`` in ``folder``, open and exclusively locked, and its path."""
    while True:
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
        file = os.fdopen(handle, "w+b")
        if fcntl is None:
            return file, temporary
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.stat(temporary).st_ino == os.fstat(handle).st_ino:
                return file, temporary
        except (BlockingIOError, FileNotFoundError):
            pass  # a sweep took it between mkstemp and flock: make another
        file.close()


def remove_stale_temporaries(folder: str, name: str) -> list[str]:
    """Delete the temporaries of target ``name`` in ``folder`` that no live writer holds (see the module
    docstring), and return their paths. Files this process may not open or delete are left alone."""
    if fcntl is None:
        return []
    pattern, removed = _temporary_name(name), []
    try:
        entries = [entry.name for entry in os.scandir(folder) if pattern.fullmatch(entry.name)]
    except OSError:
        return []
    for entry in entries:
        path = os.path.join(folder, entry)
        try:
            handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held by a live writer: BlockingIOError
            os.unlink(path)
            removed.append(path)
        except OSError:
            pass
        finally:
            os.close(handle)
    return removed


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` when the block ends without an error, and nothing otherwise.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "리뷰.txt"
    >>> with atomic_write(target) as out:
    ...     _ = out.write("재밌다\\n".encode())
    >>> target.read_text(encoding="utf-8")
    '재밌다\\n'
    """
    pending = PendingFile(path)
    try:
        yield pending.file
        pending.commit()
    except OSError as error:
        if error.filename is not None or error.errno is None:
            raise
        # A failed write (a full disk: ENOSPC; a file size limit: EFBIG) names no file: name the target.
        raise OSError(error.errno, error.strerror, pending.path) from error
    finally:
        pending.discard()


@contextlib.contextmanager
def text_writer(binary: BinaryIO, compress: bool = False) -> Iterator[TextIO]:
    """UTF-8 text with LF line ends written into ``binary`` (gzip-compressed with ``compress``), which stays
    open for its owner (an `atomic_write` or `PendingFile`) to commit.

    A compressed stream has mtime 0 and no file name in its header, so the same text gives the same bytes.
    """
    with contextlib.ExitStack() as stack:
        target = binary
        if compress:
            target = stack.enter_context(gzip.GzipFile(filename="", mode="wb", fileobj=binary, compresslevel=6, mtime=0))
        text = io.TextIOWrapper(target, encoding="utf-8", newline="\n")
        yield text
        text.flush()
        text.detach()  # closing the wrapper would close the file it writes to
