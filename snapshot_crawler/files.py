"""Appending records to files so that a record is either all there or not there at all."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path


def append_whole(fd: int, data: bytes) -> None:
    """Append ``data`` to the ``O_APPEND`` file ``fd`` in one write. When the write fails or
    is cut short (disk full, file size limit), the file is truncated back to where it ended,
    so that no partial record stays behind for later records to follow; then OSError."""
    start = os.lseek(fd, 0, os.SEEK_END)
    try:
        written = os.write(fd, data)
        if written != len(data):
            raise OSError(errno.ENOSPC, f"short write: {written} of {len(data)} bytes")
    except OSError:
        with contextlib.suppress(OSError):  # a device (no size to go back to) cannot be cut
            os.ftruncate(fd, start)
        raise


def cut_tail(path: Path, end: int, separator: bytes = b"") -> int:
    """Cut everything after offset ``end`` off the file (a record a killed process left
    unfinished), keeping it in ``<name>.torn`` beside it, each cut followed by ``separator``;
    returns how many bytes were cut."""
    with path.open("r+b") as f:
        f.seek(end)
        torn = f.read()
        if not torn:
            return 0
        with path.with_name(path.name + ".torn").open("ab") as sidecar:
            sidecar.write(torn + separator)
        f.truncate(end)
        f.flush()
        os.fsync(f.fileno())
    return len(torn)
