"""The crawl state in Redis, shared by every worker that crawls with ``SNAPSHOT_STATE_URL``.

Keys, all under ``snapshot:``: ``<site>:articles`` and ``<site>:captures`` (hashes from
canonical URL to a JSON record), ``duplicates:originals`` (original id to JSON) and
``duplicates:keys:<bucket>`` (content hash and LSH band keys to packed original ids). The
request queue, the seen-request set and the workers' leases live beside them
(``scaleout.scheduler``).
"""

from __future__ import annotations

import json
import logging
from array import array
from collections.abc import Callable
from dataclasses import astuple, replace
from typing import Any, TypeVar

import redis

from snapshot_crawler.extract.fingerprint import band_keys
from snapshot_crawler.warc import Capture

from . import ArticleRecord, Original, StateError, hash_key, next_record, original_keys

logger = logging.getLogger(__name__)

PREFIX = "snapshot"
_BUCKET_SHIFT = 47
"""A key's top 16 bits pick its bucket hash: 65,536 small hashes, which Redis stores compactly
(listpacks), instead of a string key per band key at some 60 bytes of overhead each."""

_Result = TypeVar("_Result")


def connect(url: str) -> redis.Redis:
    """A client of the Redis server at ``url`` (``redis://host:port/db``); StateError when
    it does not answer."""
    client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)
    guarded(client.ping, url)
    return client


def guarded(call: Callable[[], _Result], where: str) -> _Result:
    """``call()``, its Redis errors (server gone, out of memory) raised as StateError."""
    try:
        return call()
    except redis.RedisError as exc:
        raise StateError(f"the crawl state in Redis ({where}) cannot be used ({exc})") from exc


def site_key(site: str, name: str) -> str:
    """The Redis key of one of a site's structures."""
    return f"{PREFIX}:{site}:{name}"


class RedisStore:
    """The crawl state of one site in Redis: what ``SqliteStore`` keeps, for many workers."""

    def __init__(self, client: redis.Redis, site: str, reset: bool = False) -> None:
        self._client = client
        self._articles = site_key(site, "articles")
        self._captures = site_key(site, "captures")
        if reset:
            self._call(lambda: client.delete(self._articles, self._captures))
            logger.info("Crawl state reset: %s", self._articles)

    def _call(self, call: Callable[[], _Result]) -> _Result:
        return guarded(call, self._articles)

    def article(self, url_key: str) -> ArticleRecord | None:
        raw = self._call(lambda: self._client.hget(self._articles, url_key))
        return ArticleRecord(*json.loads(raw)) if raw else None

    def record_snapshot(
        self, url_key: str, content_hash: str, snapshot_time: str, publish_time: str | None
    ) -> int:
        def update(pipe: Any) -> int:
            raw = pipe.hget(self._articles, url_key)
            previous = ArticleRecord(*json.loads(raw)) if raw else None
            record = next_record(previous, content_hash, snapshot_time, publish_time)
            pipe.multi()
            pipe.hset(self._articles, url_key, json.dumps(astuple(record)))
            return record.version

        # WATCH the hash: two workers recording one URL at once cannot both make version N+1
        transaction: Any = self._client.transaction
        version: int = self._call(
            lambda: transaction(update, self._articles, value_from_callable=True)
        )
        return version

    def record_fetch(self, url_key: str, fetched_time: str) -> None:
        record = self.article(url_key)
        if record is not None:
            fields = json.dumps(astuple(replace(record, fetched_time=fetched_time)))
            self._call(lambda: self._client.hset(self._articles, url_key, fields))

    def article_count(self) -> int:
        count: int = self._call(lambda: self._client.hlen(self._articles))
        return count

    def capture(self, url_key: str) -> Capture | None:
        raw = self._call(lambda: self._client.hget(self._captures, url_key))
        return Capture(*json.loads(raw)) if raw else None

    def record_capture(self, url_key: str, capture: Capture) -> None:
        fields = json.dumps(astuple(capture)[:5])
        self._call(lambda: self._client.hset(self._captures, url_key, fields))

    def close(self) -> None:
        self._client.close()


# Appends an original's id to each of its keys' id lists, in one step on the server.
_ADD_ORIGINAL = """
local id = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], id, ARGV[1])
local packed = struct.pack('<I4', id)
for i = 3, #KEYS do
    local ids = redis.call('HGET', KEYS[i], ARGV[i - 1]) or ''
    redis.call('HSET', KEYS[i], ARGV[i - 1], ids .. packed)
end
return id
"""


class RedisDuplicateIndex:
    """The originals of every site in Redis, for every worker: an original is one JSON entry;
    its content-hash key and LSH band keys each point to the ids filed under them."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._last_id = f"{PREFIX}:duplicates:last_id"
        self._originals = f"{PREFIX}:duplicates:originals"
        self._add = client.register_script(_ADD_ORIGINAL)

    def _call(self, call: Callable[[], _Result]) -> _Result:
        return guarded(call, self._originals)

    @staticmethod
    def _slot(key: int) -> tuple[str, str]:
        """The bucket hash and field of a 63-bit key."""
        return f"{PREFIX}:duplicates:keys:{key >> _BUCKET_SHIFT}", str(key)

    def _lookup(self, keys: list[int]) -> list[tuple[Original, str, tuple[int, ...] | None]]:
        """The originals filed under any of the keys, oldest first."""

        def read() -> list[Any]:
            pipe = self._client.pipeline(transaction=False)
            for key in keys:
                pipe.hget(*self._slot(key))
            return list(pipe.execute())

        ids = sorted({i for packed in self._call(read) if packed for i in array("I", packed)})
        if not ids:
            return []
        found = []
        entries: list[Any] = self._call(lambda: self._client.hmget(self._originals, ids))
        for raw in entries:
            url, site, snapshot_time, content_hash, sig = json.loads(raw)
            found.append(
                (Original(url, site, snapshot_time), content_hash, tuple(sig or ()) or None)
            )
        return found

    def exact(self, content_hash: str) -> list[Original]:
        found = self._lookup([hash_key(content_hash)])
        return [original for original, stored, _ in found if stored == content_hash]

    def candidates(self, signature: tuple[int, ...]) -> list[tuple[Original, tuple[int, ...]]]:
        return [(original, sig) for original, _, sig in self._lookup(band_keys(signature)) if sig]

    def add(
        self,
        original: Original,
        content_hash: str,
        signature: tuple[int, ...] | None,
    ) -> None:
        entry = json.dumps([*astuple(original), content_hash, signature])
        buckets, fields = zip(
            *(self._slot(key) for key in original_keys(content_hash, signature)), strict=True
        )
        self._call(
            lambda: self._add(
                keys=[self._last_id, self._originals, *buckets], args=[entry, *fields]
            )
        )

    def close(self) -> None:
        self._client.close()
