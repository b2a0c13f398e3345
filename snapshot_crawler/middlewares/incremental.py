"""Periodic crawls fetch what is new: known article pages are not requested again."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from snapshot_crawler.extensions.crawl_state import CrawlState
from snapshot_crawler.state import ArticleRecord, CrawlStore
from snapshot_crawler.urls import url_key

logger = logging.getLogger(__name__)

DISCOVERY_KINDS = frozenset({"start", "list", "sitemap", "feed", "robots"})
"""Request kinds (``meta["snapshot_kind"]``) that are fetched on every run."""


class IncrementalMiddleware:
    """Drops requests for article URLs the crawl state holds, unless they are due again.

    A known article is due when it is younger than ``SNAPSHOT_RECHECK_DAYS`` (by its publish
    time, else its first snapshot), so late edits are captured, or when the sitemap or feed
    that linked it gives a modification time (``meta["snapshot_lastmod"]``) after its last
    fetch. Start pages, lists, sitemaps and feeds always pass. A request opts out with
    ``meta["snapshot_incremental"] = False``. Off with ``SNAPSHOT_INCREMENTAL_ENABLED=False``.
    """

    def __init__(self, store: CrawlStore, recheck: timedelta, stats: StatsCollector) -> None:
        self.store = store
        self.recheck = recheck
        self.stats = stats
        self._counted: set[str] = set()
        """Known URLs already decided on in this run."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        settings = crawler.settings
        if not settings.getbool("SNAPSHOT_INCREMENTAL_ENABLED"):
            raise NotConfigured("SNAPSHOT_INCREMENTAL_ENABLED is off")
        state = CrawlState.of(crawler)
        assert crawler.stats is not None
        recheck = timedelta(days=settings.getfloat("SNAPSHOT_RECHECK_DAYS"))
        return cls(state.store, recheck, crawler.stats)

    def process_spider_output(
        self, response: Response, result: Iterable[Any], spider: Any = None
    ) -> Iterator[Any]:
        return (r for r in result if not isinstance(r, Request) or self.wanted(r))

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        async for r in result:
            if not isinstance(r, Request) or self.wanted(r):
                yield r

    def wanted(self, request: Request) -> bool:
        """Whether the request is worth sending; counts the decision."""
        meta = request.meta
        if (
            meta.get("snapshot_kind") in DISCOVERY_KINDS
            or meta.get("snapshot_incremental") is False
        ):
            return True
        key = url_key(request.url)
        record = self.store.article(key)
        if record is None:
            return True
        lastmod = meta.get("snapshot_lastmod")
        if lastmod is not None:
            due = datetime.fromisoformat(lastmod) > datetime.fromisoformat(record.fetched_time)
            reason = "modified" if due else "skipped"
        else:
            due = self.young(record)
            reason = "rechecked" if due else "skipped"
        if key not in self._counted:  # a page linked from many places is counted once
            self._counted.add(key)
            self.stats.inc_value(f"snapshot/incremental/{reason}")
        if not due:
            logger.debug("Skipped %s: archived at %s", request.url, record.snapshot_time)
        return due

    def young(self, record: ArticleRecord) -> bool:
        """Whether the article is still inside the re-check window."""
        born = datetime.fromisoformat(record.publish_time or record.first_snapshot_time)
        if born.tzinfo is None:
            born = born.replace(tzinfo=timezone.utc)
        return datetime.now(timezone.utc) - born < self.recheck
