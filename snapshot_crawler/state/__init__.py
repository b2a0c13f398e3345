"""Crawl state: per article URL, what the archive holds and when the page was last fetched.

The state decides what a periodic crawl requests again: a known article only while it is
young (the re-check window) or when a sitemap says it changed, and a new snapshot version only
when its content did. SQLite keeps it across runs by default (a file per site under
``SNAPSHOT_STATE_DIR``); Redis (``SNAPSHOT_STATE_URL``) keeps it for many workers at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any, Protocol

from snapshot_crawler import project_path
from snapshot_crawler.extract.fingerprint import band_keys
from snapshot_crawler.warc import Capture


class StateError(RuntimeError):
    """A crawl-state store that cannot be used (a corrupt or foreign file); nothing is lost:
    the store is left as it is, for the user to inspect, move aside or reset."""


@dataclass(frozen=True)
class ArticleRecord:
    """What the state knows of one article URL."""

    content_hash: str
    """Hash of the content of the latest archived version."""

    version: int
    """How many versions of the article were archived (1 for the first snapshot)."""

    snapshot_time: str
    """When the latest archived version was fetched (ISO 8601)."""

    first_snapshot_time: str
    """When the first version was fetched (ISO 8601)."""

    publish_time: str | None
    """The article's publish time as last extracted (ISO 8601), if it had one."""

    fetched_time: str
    """When the page was last fetched, whether or not that yielded a new version."""


class CrawlStore(Protocol):
    """The crawl state of one site. Keys are canonical article URLs (``urls.url_key``)."""

    def article(self, url_key: str) -> ArticleRecord | None:
        """The record of an archived article, or None when it never reached the archive."""

    def record_snapshot(
        self, url_key: str, content_hash: str, snapshot_time: str, publish_time: str | None
    ) -> int:
        """Record that a snapshot reached the archive; returns its version number."""

    def record_fetch(self, url_key: str, fetched_time: str) -> None:
        """Record that a known article was fetched again and found unchanged."""

    def article_count(self) -> int:
        """How many article URLs the archive holds."""

    def capture(self, url_key: str) -> Capture | None:
        """The last WARC capture of the URL that holds its payload, if any."""

    def record_capture(self, url_key: str, capture: Capture) -> None:
        """Record a WARC capture of the URL (its response record)."""

    def close(self) -> None:
        """Release the store's resources."""


def next_record(
    previous: ArticleRecord | None, content_hash: str, snapshot_time: str, publish_time: str | None
) -> ArticleRecord:
    """The record after a new snapshot version was archived; every store updates alike."""
    if previous is None:
        return ArticleRecord(
            content_hash, 1, snapshot_time, snapshot_time, publish_time, snapshot_time
        )
    return replace(
        previous,
        content_hash=content_hash,
        version=previous.version + 1,
        snapshot_time=snapshot_time,
        publish_time=publish_time or previous.publish_time,
        fetched_time=snapshot_time,
    )


class MemoryStore:
    """State that lives as long as the crawl: repeats within one run only."""

    def __init__(self) -> None:
        self._articles: dict[str, ArticleRecord] = {}
        self._captures: dict[str, Capture] = {}

    def article(self, url_key: str) -> ArticleRecord | None:
        return self._articles.get(url_key)

    def record_snapshot(
        self, url_key: str, content_hash: str, snapshot_time: str, publish_time: str | None
    ) -> int:
        record = next_record(self._articles.get(url_key), content_hash, snapshot_time, publish_time)
        self._articles[url_key] = record
        return record.version

    def record_fetch(self, url_key: str, fetched_time: str) -> None:
        if url_key in self._articles:
            self._articles[url_key] = replace(self._articles[url_key], fetched_time=fetched_time)

    def article_count(self) -> int:
        return len(self._articles)

    def capture(self, url_key: str) -> Capture | None:
        return self._captures.get(url_key)

    def record_capture(self, url_key: str, capture: Capture) -> None:
        self._captures[url_key] = capture

    def close(self) -> None:
        self._articles.clear()
        self._captures.clear()


def open_store(
    directory: str, site: str, reset: bool = False, timeout: float = 60.0, url: str = ""
) -> CrawlStore:
    """The store for one site: in the Redis server at ``url`` when one is given, else
    ``<directory>/<site>.sqlite3``, or memory (for one run only) when ``directory`` is empty.
    ``reset`` starts it over; a write waits ``timeout`` seconds for another process's."""
    if url:
        from .redis import RedisStore, connect

        return RedisStore(connect(url), site, reset)
    if not directory:
        return MemoryStore()
    from .sqlite import SqliteStore  # sqlite3 is loaded only when state is kept

    return SqliteStore(project_path(directory) / f"{site}.sqlite3", reset, timeout)


@dataclass(frozen=True)
class Original:
    """An archived snapshot that was no one's duplicate: the first copy of its story."""

    url: str
    site: str
    snapshot_time: str


def hash_key(content_hash: str) -> int:
    """A content hash as a non-zero 63-bit key."""
    digest = hashlib.blake2b(content_hash.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1 | 1


def original_keys(content_hash: str, signature: tuple[int, ...] | None) -> list[int]:
    """The keys a stored index files an original under: its content hash's, and its LSH
    bands' (none without a signature)."""
    return [hash_key(content_hash), *(band_keys(signature) if signature else [])]


class DuplicateIndex(Protocol):
    """Fingerprints of the archived originals of every site, to find reposts across sites:
    content hashes, and MinHash signatures looked up by their LSH bands
    (``extract.fingerprint``)."""

    def exact(self, content_hash: str) -> list[Original]:
        """Originals with exactly this content, oldest first."""

    def candidates(self, signature: tuple[int, ...]) -> list[tuple[Original, tuple[int, ...]]]:
        """Originals sharing an LSH band with this signature, with theirs, oldest first."""

    def add(
        self,
        original: Original,
        content_hash: str,
        signature: tuple[int, ...] | None,
    ) -> None:
        """Index an original (signature None: matched exactly only)."""

    def close(self) -> None:
        """Release the index's resources."""


class MemoryDuplicateIndex:
    """Duplicates within one run only (and the originals on their way to the archive)."""

    def __init__(self) -> None:
        self._originals: dict[int, tuple[Original, str, tuple[int, ...] | None]] = {}
        self._by_url: dict[str, list[int]] = {}
        self._by_hash: dict[str, list[int]] = {}
        self._by_key: dict[int, list[int]] = {}
        self._next_id = 0

    def exact(self, content_hash: str) -> list[Original]:
        return [self._originals[i][0] for i in self._by_hash.get(content_hash, [])]

    def candidates(self, signature: tuple[int, ...]) -> list[tuple[Original, tuple[int, ...]]]:
        found = sorted({i for key in band_keys(signature) for i in self._by_key.get(key, [])})
        return [(self._originals[i][0], sig) for i in found if (sig := self._originals[i][2])]

    def add(
        self,
        original: Original,
        content_hash: str,
        signature: tuple[int, ...] | None,
    ) -> None:
        index = self._next_id
        self._next_id += 1
        self._originals[index] = (original, content_hash, signature)
        self._by_url.setdefault(original.url, []).append(index)
        for table, key in self._keys(content_hash, signature):
            table.setdefault(key, []).append(index)

    def remove(self, url: str) -> tuple[int, ...] | None:
        """Forget the originals of this URL; returns the signature of the last one."""
        signature = None
        for index in self._by_url.pop(url, []):
            _, content_hash, signature = self._originals.pop(index)
            for table, key in self._keys(content_hash, signature):
                table[key].remove(index)
                if not table[key]:
                    del table[key]
        return signature

    def _keys(
        self, content_hash: str, signature: tuple[int, ...] | None
    ) -> list[tuple[dict[Any, list[int]], Any]]:
        """The (table, key) pairs an original is filed under."""
        bands = band_keys(signature) if signature else []
        return [(self._by_hash, content_hash), *((self._by_key, key) for key in bands)]

    def close(self) -> None:
        for table in (self._originals, self._by_url, self._by_hash, self._by_key):
            table.clear()


def open_duplicate_index(directory: str, timeout: float = 60.0, url: str = "") -> DuplicateIndex:
    """The index shared by every site: in the Redis server at ``url`` when one is given, else
    ``<directory>/duplicates.sqlite3``, or memory (for one run only) when ``directory`` is
    empty."""
    if url:
        from .redis import RedisDuplicateIndex, connect

        return RedisDuplicateIndex(connect(url))
    if not directory:
        return MemoryDuplicateIndex()
    from .sqlite import SqliteDuplicateIndex

    return SqliteDuplicateIndex.shared(project_path(directory) / "duplicates.sqlite3", timeout)
