"""One crawl per site at a time: an exclusive ``flock`` on ``<state dir>/<site>.lock``.

The kernel drops the lock when its process ends, however it ends (SIGKILL included), so a
killed crawl never leaves a stale lock behind and cron lines need no ``flock`` wrapper.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class SiteLock:
    """A non-blocking exclusive lock; the holder's pid is written into the file for messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock; False (at once, without waiting) when another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def holder(self) -> str:
        """The pid written by the process holding the lock ("?" when unreadable)."""
        try:
            return self.path.read_text().strip() or "?"
        except OSError:
            return "?"

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


def worker_lock(directory: Path, site: str) -> tuple[int, SiteLock]:
    """The lowest worker number of the site that no process on this machine holds, with its
    lock taken (``<site>.worker-<n>.lock``): a restarted worker takes the number, and so the
    files and the leases, of the killed one it replaces."""
    number = 0
    while True:
        lock = SiteLock(directory / f"{site}.worker-{number}.lock")
        if lock.acquire():
            return number, lock
        number += 1
