"""The default crawl-state store: one SQLite file per site, in WAL mode."""

from __future__ import annotations

import logging
import os
import sqlite3
from array import array
from collections.abc import Iterable
from dataclasses import astuple
from pathlib import Path
from typing import ClassVar

from snapshot_crawler.extract.fingerprint import band_keys
from snapshot_crawler.warc import Capture

from . import ArticleRecord, Original, StateError, hash_key, next_record, original_keys

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
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS captures (
    url_key TEXT PRIMARY KEY,
    record_id TEXT NOT NULL,
    payload_digest TEXT NOT NULL,
    uri TEXT NOT NULL,
    date TEXT NOT NULL,
    file TEXT NOT NULL
) WITHOUT ROWID;
"""
_COLUMNS = "content_hash, version, snapshot_time, first_snapshot_time, publish_time, fetched_time"


def connect(path: Path, schema: str, timeout: float) -> sqlite3.Connection:
    """A connection to a state file in WAL mode, its tables created; StateError when the file
    is no usable SQLite database. A writer waits ``timeout`` seconds for another's commit."""
    try:
        db = sqlite3.connect(path, isolation_level=None, timeout=timeout)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(schema)
    except sqlite3.DatabaseError as exc:
        raise StateError(
            f"the crawl state {path} cannot be used ({exc}); it is left as it is: move it "
            "aside, or start over with -s SNAPSHOT_STATE_RESET=1"
        ) from exc
    return db


class _Writes:
    """Runs writes on a state database; a write that cannot be made (the database locked for
    longer than the time-out, the disk full) raises StateError saying so."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self._path = path

    def __call__(self, sql: str, parameters: tuple[object, ...]) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, parameters)
        except sqlite3.OperationalError as exc:
            raise StateError(f"the crawl state {self._path} could not be written ({exc})") from exc


class SqliteStore:
    """The crawl state of one site, kept across runs.

    WAL mode lets a reader (a report, a second process) look while a crawl writes; every
    record is committed at once, so a killed crawl loses none of what it archived.
    """

    def __init__(self, path: Path, reset: bool = False, timeout: float = 60.0) -> None:
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
        self._db = connect(path, _SCHEMA, timeout)
        self._write = _Writes(self._db, path)

    def article(self, url_key: str) -> ArticleRecord | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM articles WHERE url_key = ?", (url_key,)
        ).fetchone()
        return ArticleRecord(*row) if row else None

    def record_snapshot(
        self, url_key: str, content_hash: str, snapshot_time: str, publish_time: str | None
    ) -> int:
        record = next_record(self.article(url_key), content_hash, snapshot_time, publish_time)
        self._write(
            f"INSERT OR REPLACE INTO articles (url_key, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (url_key, *astuple(record)),
        )
        return record.version

    def record_fetch(self, url_key: str, fetched_time: str) -> None:
        self._write(
            "UPDATE articles SET fetched_time = ? WHERE url_key = ?", (fetched_time, url_key)
        )

    def article_count(self) -> int:
        count: int = self._db.execute("SELECT count(*) FROM articles").fetchone()[0]
        return count

    def capture(self, url_key: str) -> Capture | None:
        row = self._db.execute(
            "SELECT record_id, payload_digest, uri, date, file FROM captures WHERE url_key = ?",
            (url_key,),
        ).fetchone()
        return Capture(*row) if row else None

    def record_capture(self, url_key: str, capture: Capture) -> None:
        self._write(
            "INSERT OR REPLACE INTO captures VALUES (?, ?, ?, ?, ?, ?)",
            (
                url_key,
                capture.record_id,
                capture.payload_digest,
                capture.uri,
                capture.date,
                capture.file,
            ),
        )

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
"""


class KeyTable:
    """A multimap from non-zero 63-bit keys to original ids, open addressing in two flat arrays:
    12 bytes an entry, where a dict of int lists needs over 100. A million originals' keys (a
    content hash key and twelve band keys each) fit in 200 MiB, and save to / load from a file
    at disk speed."""

    def __init__(self, capacity: int = 1 << 16) -> None:
        self._allocate(capacity)

    def _allocate(self, capacity: int) -> None:
        self._keys = array("q", [0]) * capacity
        self._ids = array("i", [0]) * capacity
        self.size = 0

    def add(self, entries: Iterable[tuple[int, int]]) -> None:
        """Add (key, original id) pairs; the table doubles when 3/4 full, keeping probes short."""
        keys, ids = self._keys, self._ids
        mask, limit = len(keys) - 1, len(keys) * 3 // 4
        for key, original_id in entries:
            if self.size >= limit:
                self._grow()
                keys, ids = self._keys, self._ids
                mask, limit = len(keys) - 1, len(keys) * 3 // 4
            slot = key & mask
            while keys[slot]:
                slot = (slot + 1) & mask
            keys[slot] = key
            ids[slot] = original_id
            self.size += 1

    def get(self, keys: Iterable[int]) -> set[int]:
        """The ids stored under any of the keys."""
        table, ids, mask = self._keys, self._ids, len(self._keys) - 1
        found = set()
        for key in keys:
            slot = key & mask
            while stored := table[slot]:
                if stored == key:
                    found.add(ids[slot])
                slot = (slot + 1) & mask
        return found

    def _grow(self) -> None:
        old_keys, old_ids = self._keys, self._ids
        self._allocate(len(old_keys) * 2)
        self.add((k, i) for k, i in zip(old_keys, old_ids, strict=True) if k)

    def save(self, path: Path, last_id: int) -> None:
        """Write the table, and the last original id it holds, atomically."""
        temporary = path.with_name(path.name + ".tmp")
        with temporary.open("wb") as f:
            array("q", [len(self._keys), self.size, last_id]).tofile(f)
            self._keys.tofile(f)
            self._ids.tofile(f)
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> tuple[KeyTable, int]:
        """A saved table and its last original id; an empty table and 0 when there is none."""
        table = cls()
        try:
            with path.open("rb") as f:
                header = array("q")
                header.fromfile(f, 3)
                capacity, size, last_id = header
                table._keys = array("q")
                table._keys.fromfile(f, capacity)
                table._ids = array("i")
                table._ids.fromfile(f, capacity)
                table.size = size
        except (OSError, EOFError, ValueError):
            return cls(), 0
        return table, last_id


class SqliteDuplicateIndex:
    """The originals of every site, in one SQLite file that the crawls of all sites share (WAL
    mode; a writer waits for another's commit instead of failing), and their keys (content hash
    and LSH bands) in memory.

    An original is one row, committed at once. The key table is saved beside the database
    (``duplicates.sqlite3.keys``) when a crawl closes and loaded when the next opens; before
    each lookup it catches up with the rows written since, by this crawl or another (a killed
    crawl's unsaved table is rebuilt from them). A lookup costs a few array probes, and SQL
    only for the originals it finds; an index of bands in SQLite would rewrite a B-tree page
    per band on every insert.
    """

    _open: ClassVar[dict[Path, SqliteDuplicateIndex]] = {}

    @classmethod
    def shared(cls, path: Path, timeout: float = 60.0) -> SqliteDuplicateIndex:
        """The process's one index for this file: crawls in one process (``scrapy crawlall``)
        share its key table instead of each holding a copy; it closes with its last user."""
        index = cls._open.get(path)
        if index is None:
            index = cls._open[path] = cls(path, timeout)
        index._users += 1
        return index

    def __init__(self, path: Path, timeout: float = 60.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._users = 0
        self._db = connect(path, _DUPLICATES_SCHEMA, timeout)
        self._write = _Writes(self._db, path)
        self._keys_path = path.with_name(path.name + ".keys")
        self._keys, self._last_id = KeyTable.load(self._keys_path)
        newest = self._db.execute("SELECT max(id) FROM originals").fetchone()[0] or 0
        if self._last_id > newest:  # the database was replaced: the saved table is not its own
            self._keys, self._last_id = KeyTable(), 0
        self._seen_version: int | None = None
        """SQLite's data_version at the last catch-up: it changes when another connection
        commits, so while it stands still, nothing new but this crawl's own rows is there."""

    def _catch_up(self) -> None:
        """Add the keys of originals written since by other crawls (and of this crawl's own
        rows that ``add`` could not key at once)."""
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if version == self._seen_version:
            return
        self._seen_version = version
        rows = self._db.execute(
            "SELECT id, content_hash, signature FROM originals WHERE id > ? ORDER BY id",
            (self._last_id,),
        )
        for original_id, content_hash, blob in rows:
            self._keys.add(self._entries(original_id, content_hash, unpack(blob) if blob else None))
            self._last_id = original_id

    def _entries(
        self, original_id: int, content_hash: str, signature: tuple[int, ...] | None
    ) -> list[tuple[int, int]]:
        return [(key, original_id) for key in original_keys(content_hash, signature)]

    def exact(self, content_hash: str) -> list[Original]:
        self._catch_up()
        ids = sorted(self._keys.get([hash_key(content_hash)]))
        if not ids:
            return []
        rows = self._db.execute(
            "SELECT url, site, snapshot_time FROM originals "
            f"WHERE id IN ({','.join('?' * len(ids))}) AND content_hash = ? ORDER BY id",
            [*ids, content_hash],
        )
        return [Original(*row) for row in rows]

    def candidates(self, signature: tuple[int, ...]) -> list[tuple[Original, tuple[int, ...]]]:
        self._catch_up()
        ids = sorted(self._keys.get(band_keys(signature)))
        if not ids:
            return []
        rows = self._db.execute(
            "SELECT url, site, snapshot_time, signature FROM originals "
            f"WHERE id IN ({','.join('?' * len(ids))}) AND signature IS NOT NULL ORDER BY id",
            ids,
        )
        return [(Original(url, site, time), unpack(blob)) for url, site, time, blob in rows]

    def add(
        self,
        original: Original,
        content_hash: str,
        signature: tuple[int, ...] | None,
    ) -> None:
        self._catch_up()
        cursor = self._write(
            "INSERT INTO originals (url, site, snapshot_time, content_hash, signature) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                original.url,
                original.site,
                original.snapshot_time,
                content_hash,
                pack(signature) if signature else None,
            ),
        )
        # the row right after the last one keyed: key it now; else another crawl wrote in
        # between, and the next catch-up keys both in order
        if cursor.lastrowid == self._last_id + 1:
            self._keys.add(self._entries(cursor.lastrowid, content_hash, signature))
            self._last_id = cursor.lastrowid

    def close(self) -> None:
        """Once its last user closes it: save the key table, so that the next crawl need not
        rebuild it, and close the database."""
        self._users -= 1
        if self._users > 0:
            return
        self._open.pop(self.path, None)
        self._seen_version = None  # catch up for sure before saving
        self._catch_up()
        self._keys.save(self._keys_path, self._last_id)
        self._db.close()


def pack(signature: tuple[int, ...]) -> bytes:
    return array("Q", signature).tobytes()


def unpack(blob: bytes) -> tuple[int, ...]:
    return tuple(array("Q", blob))
