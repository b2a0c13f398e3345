"""Crawl state: what the archive already holds, behind one small interface.

SQLite keeps it across runs by default (a file per site under ``SNAPSHOT_STATE_DIR``); a Redis
store to scale out implements the same interface.
"""

from __future__ import annotations

from typing import Protocol

from snapshot_crawler import project_path


class ArchivedIndex(Protocol):
    """Which (URL key, content hash) pairs have reached the archive."""

    def is_archived(self, url_key: str, content_hash: str) -> bool:
        """Whether this URL was archived with exactly this content."""

    def mark_archived(self, url_key: str, content_hash: str, snapshot_time: str) -> None:
        """Record that a snapshot reached the archive."""

    def close(self) -> None:
        """Release the store's resources."""


class MemoryIndex:
    """An index that lives as long as the crawl: duplicates within one run."""

    def __init__(self) -> None:
        self._archived: set[tuple[str, str]] = set()

    def is_archived(self, url_key: str, content_hash: str) -> bool:
        return (url_key, content_hash) in self._archived

    def mark_archived(self, url_key: str, content_hash: str, snapshot_time: str) -> None:
        self._archived.add((url_key, content_hash))

    def close(self) -> None:
        self._archived.clear()


def open_index(directory: str, site: str, reset: bool = False) -> ArchivedIndex:
    """The store for one site: ``<directory>/<site>.sqlite3``, or memory (for one run only)
    when ``directory`` is empty. ``reset`` starts it over."""
    if not directory:
        return MemoryIndex()
    from .sqlite import SqliteIndex  # sqlite3 is loaded only when state is kept

    return SqliteIndex(project_path(directory) / f"{site}.sqlite3", reset=reset)
