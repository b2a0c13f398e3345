"""The crawl state of the site being crawled, opened once per crawl under the site's lock."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, IgnoreRequest, NotConfigured

from snapshot_crawler import project_path
from snapshot_crawler.state import (
    CrawlStore,
    DuplicateIndex,
    MemoryDuplicateIndex,
    MemoryStore,
    Original,
    StateError,
    open_duplicate_index,
    open_store,
)
from snapshot_crawler.state.lock import SiteLock, worker_lock
from snapshot_crawler.urls import url_key

logger = logging.getLogger(__name__)

ALREADY_RUNNING = "already_running"
"""The finish reason of a crawl that found its site locked by another run."""


class CrawlState:
    """Holds the site's lock and its crawl store for the whole crawl.

    With a state directory (``SNAPSHOT_STATE_DIR``) the store is ``<dir>/<site>.sqlite3`` and
    the lock ``<dir>/<site>.lock``, taken before the store is opened (a reset must not delete
    a store another run is writing). When another run holds the lock, this crawl requests
    nothing and closes at once with the finish reason ``already_running``. Without a state
    directory the store lives in memory for this run, unlocked.

    With ``SNAPSHOT_STATE_URL`` the store is in Redis and any number of workers crawl the site
    together: instead of the site's lock, each takes the lowest free worker number of the site
    on its machine (``<dir>/<site>.worker-<n>.lock``), and ``worker`` (``<host>-<n>``, or
    ``SNAPSHOT_WORKER_ID``) goes into the names of the files it writes.

    The dedup pipeline and the incremental middleware share ``store``; the dedup pipeline
    also finds reposts in ``duplicates``, the index of every site's originals
    (``<dir>/duplicates.sqlite3`` or Redis, never reset with one site's state).
    """

    def __init__(self, crawler: Crawler, site: str) -> None:
        settings = crawler.settings
        directory = settings.get("SNAPSHOT_STATE_DIR") or ""
        url = settings.get("SNAPSHOT_STATE_URL") or ""
        self.site = site
        self.persistent = bool(directory or url)
        """Whether the state outlives the run (a state directory or a Redis server is set)."""
        self.reset = settings.getbool("SNAPSHOT_STATE_RESET")
        """Whether this run started the state over."""
        self.worker: str | None = None
        """This process's name among the site's workers (Redis mode only)."""
        self.lock: SiteLock | None = None
        self.locked_out = False
        if url:
            self.worker, self.lock = claim_worker(
                directory, site, settings.get("SNAPSHOT_WORKER_ID")
            )
        elif directory:
            self.lock = SiteLock(project_path(directory) / f"{site}.lock")
            self.locked_out = not self.lock.acquire()
        timeout = settings.getfloat("SNAPSHOT_STATE_TIMEOUT")
        self.store: CrawlStore = (
            MemoryStore()
            if self.locked_out
            else open_store(directory, site, self.reset, timeout, url)
        )
        self.duplicates: DuplicateIndex = (
            MemoryDuplicateIndex()
            if self.locked_out
            else open_duplicate_index(directory, timeout, url)
        )
        """The originals of every site's archive, to find reposts (shared by all sites)."""
        self.articles_before = self.store.article_count()
        """How many articles the archive held when this run started."""

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlState:
        """The crawl's state, for components that cannot work without it."""
        state = crawler.get_extension(cls)
        if state is None:
            raise NotConfigured("the CrawlState extension is not enabled")
        return state

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlState:
        extension = cls(crawler, state_name(crawler.spider))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        if extension.locked_out:
            assert extension.lock is not None
            logger.error(
                "Another crawl of site %r is running (pid %s, lock %s): this run stops at once",
                extension.site,
                extension.lock.holder(),
                extension.lock.path,
            )
            crawler.signals.connect(extension.refuse_request, signal=signals.request_scheduled)
            crawler.signals.connect(extension.close_locked_out, signal=signals.spider_idle)
        return extension

    def record_archived(
        self, snapshot: Mapping[str, Any], sig: tuple[int, ...] | None, as_original: bool
    ) -> None:
        """Record a snapshot that reached the archive: its URL's new version in the store, and,
        when ``as_original`` (it copies no other story), its fingerprint in the index."""
        try:
            self.store.record_snapshot(
                url_key(snapshot["url"]),
                snapshot["content_hash"],
                snapshot["snapshot_time"],
                snapshot.get("publish_time"),
            )
            if as_original and not snapshot.get("duplicate_of"):
                original = Original(
                    snapshot["url"], snapshot["site"] or "", snapshot["snapshot_time"]
                )
                self.duplicates.add(original, snapshot["content_hash"], sig)
        except StateError as exc:
            # the snapshot is in the archive: the next run reads it back into the state
            logger.error(
                "%s; %s is archived, the state learns of it next run", exc, snapshot["url"]
            )

    def refuse_request(self, request: Request, spider: Spider) -> None:
        raise IgnoreRequest(f"site {self.site!r} is being crawled by another run")

    def close_locked_out(self, spider: Spider) -> None:
        raise CloseSpider(ALREADY_RUNNING)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.store.close()
        self.duplicates.close()
        if self.lock is not None:
            self.lock.release()


def claim_worker(directory: str, site: str, name: str | None) -> tuple[str, SiteLock | None]:
    """A worker's name and the lock of its number on this machine (none without a state
    directory: the name then has the process id)."""
    host = socket.gethostname()
    if not directory:
        return name or f"{host}-{os.getpid()}", None
    number, lock = worker_lock(project_path(directory), site)
    return name or f"{host}-{number}", lock


def state_name(spider: Any) -> str:
    """Whose state a crawl keeps: its site file's name, else its first start URL's host."""
    site = getattr(spider, "site", None)
    if site is not None and site.name:
        return str(site.name)
    urls = getattr(spider, "start_urls", None) or []
    return (urlsplit(urls[0]).hostname or "local") if urls else "default"
