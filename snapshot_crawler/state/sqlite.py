"""The default crawl-state store: one SQLite file per site, in WAL mode."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS archived (
    url_key TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    snapshot_time TEXT NOT NULL,
    PRIMARY KEY (url_key, content_hash)
) WITHOUT ROWID
"""


class SqliteIndex:
    """Which (URL key, content hash) pairs reached the archive, kept across runs.

    WAL mode lets a reader (a report, a second process) look while a crawl writes; every
    record is committed at once, so a killed crawl loses none of what it archived.
    """

    def __init__(self, path: Path, reset: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if reset:
            for stale in (
                path,
                path.with_name(path.name + "-wal"),
                path.with_name(path.name + "-shm"),
            ):
                stale.unlink(missing_ok=True)
            logger.info("Crawl state reset: %s", path)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def is_archived(self, url_key: str, content_hash: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM archived WHERE url_key = ? AND content_hash = ?", (url_key, content_hash)
        ).fetchone()
        return row is not None

    def mark_archived(self, url_key: str, content_hash: str, snapshot_time: str) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO archived VALUES (?, ?, ?)",
            (url_key, content_hash, snapshot_time),
        )

    def close(self) -> None:
        self._db.close()
