"""The default crawl-state store: one SQLite file per site, in WAL mode."""

from __future__ import annotations

import logging
import sqlite3
from array import array
from dataclasses import astuple
from pathlib import Path

from . import ArticleRecord, Original, next_record

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    url_key TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    snapshot_time TEXT NOT NULL,
    first_snapshot_time TEXT NOT NULL,
    publish_time TEXT,
    fetched_time TEXT NOT NULL
) WITHOUT ROWID
"""
_COLUMNS = "content_hash, version, snapshot_time, first_snapshot_time, publish_time, fetched_time"


class SqliteStore:
    """The crawl state of one site, kept across runs.

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

    def article(self, url_key: str) -> ArticleRecord | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM articles WHERE url_key = ?", (url_key,)
        ).fetchone()
        return ArticleRecord(*row) if row else None

    def record_snapshot(
        self, url_key: str, content_hash: str, snapshot_time: str, publish_time: str | None
    ) -> int:
        record = next_record(self.article(url_key), content_hash, snapshot_time, publish_time)
        self._db.execute(
            f"INSERT OR REPLACE INTO articles (url_key, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (url_key, *astuple(record)),
        )
        return record.version

    def record_fetch(self, url_key: str, fetched_time: str) -> None:
        self._db.execute(
            "UPDATE articles SET fetched_time = ? WHERE url_key = ?", (fetched_time, url_key)
        )

    def article_count(self) -> int:
        count: int = self._db.execute("SELECT count(*) FROM articles").fetchone()[0]
        return count

    def close(self) -> None:
        self._db.close()


_DUPLICATES_SCHEMA = """
CREATE TABLE IF NOT EXISTS originals (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    site TEXT NOT NULL,
    snapshot_time TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    signature BLOB
);
CREATE INDEX IF NOT EXISTS originals_by_hash ON originals (content_hash);
CREATE TABLE IF NOT EXISTS bands (
    key INTEGER NOT NULL,
    id INTEGER NOT NULL,
    PRIMARY KEY (key, id)
) WITHOUT ROWID;
"""


class SqliteDuplicateIndex:
    """The originals of every site and their LSH band keys, in one SQLite file that the crawls
    of all sites share (WAL mode; a writer waits for another's commit instead of failing)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_DUPLICATES_SCHEMA)

    def exact(self, content_hash: str) -> list[Original]:
        rows = self._db.execute(
            "SELECT url, site, snapshot_time FROM originals WHERE content_hash = ? ORDER BY id",
            (content_hash,),
        )
        return [Original(*row) for row in rows]

    def candidates(self, keys: list[int]) -> list[tuple[Original, tuple[int, ...]]]:
        marks = ",".join("?" * len(keys))
        rows = self._db.execute(
            "SELECT url, site, snapshot_time, signature FROM originals WHERE id IN "
            f"(SELECT id FROM bands WHERE key IN ({marks})) AND signature IS NOT NULL ORDER BY id",
            keys,
        )
        return [(Original(url, site, time), unpack(blob)) for url, site, time, blob in rows]

    def add(
        self,
        original: Original,
        content_hash: str,
        signature: tuple[int, ...] | None,
        keys: list[int],
    ) -> None:
        with self._db:  # one transaction: an original and its keys, or neither
            self._db.execute("BEGIN")
            cursor = self._db.execute(
                "INSERT INTO originals (url, site, snapshot_time, content_hash, signature) "
                "VALUES (?, ?, ?, ?, ?)",
                (*astuple(original), content_hash, pack(signature) if signature else None),
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO bands VALUES (?, ?)", [(k, cursor.lastrowid) for k in keys]
            )

    def close(self) -> None:
        self._db.close()


def pack(signature: tuple[int, ...]) -> bytes:
    return array("Q", signature).tobytes()


def unpack(blob: bytes) -> tuple[int, ...]:
    return tuple(array("Q", blob))
