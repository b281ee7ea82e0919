"""The one way kofasttext writes a file: atomically, so a crash, a full disk or Ctrl-C never leaves half of one.

`atomic_write` opens a temporary file in the target's own folder (the same file system, so the final rename is
atomic), hands it to the caller, and only when the block ends without an error flushes it, fsyncs it (the data
is on disk before the name points at it) and renames it over the target. On any error, KeyboardInterrupt
included, the temporary file is removed and the target is left as it was. `PendingFile` is the same in two
steps, for outputs that must appear together or not at all (`kofasttext.datasets.nsmc` renames its three files
only when all are complete).

Permissions: the new file takes the mode of the file it replaces, or what ``open()`` gives a new file (0666
less the umask); `tempfile.mkstemp`'s private 0600 would otherwise survive the rename.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import tempfile
from collections.abc import Iterator
from typing import BinaryIO, TextIO


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
        handle, self.temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
        self.file: BinaryIO = os.fdopen(handle, "w+b")

    def commit(self) -> None:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.chmod(self.temporary, _mode_for(self.path))
        os.replace(self.temporary, self.path)
        self.temporary = None

    def discard(self) -> None:
        self.file.close()
        if self.temporary is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.temporary)
            self.temporary = None


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
