"""Stage 3: drop an item whose URL was already archived with the same content."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector

from snapshot_crawler.state import ArchivedIndex, open_index
from snapshot_crawler.urls import url_key

logger = logging.getLogger(__name__)


class DedupPipeline:
    """Drops exact repeats: the same canonical URL with the same content hash, in this run or,
    through the crawl state (``SNAPSHOT_STATE_DIR``), in any earlier one.

    An item counts as archived only once it has passed every stage (``item_scraped``), so a
    snapshot that a later stage dropped or failed to write is not mistaken for a duplicate.
    Off with ``SNAPSHOT_DEDUP_ENABLED=False``; ``SNAPSHOT_STATE_RESET=True`` starts over.
    """

    def __init__(self, index: ArchivedIndex, stats: StatsCollector) -> None:
        self.index = index
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        if not crawler.settings.getbool("SNAPSHOT_DEDUP_ENABLED"):
            raise NotConfigured("SNAPSHOT_DEDUP_ENABLED is off")
        assert crawler.stats is not None
        settings = crawler.settings
        index = open_index(
            settings.get("SNAPSHOT_STATE_DIR") or "",
            state_name(crawler.spider),
            reset=settings.getbool("SNAPSHOT_STATE_RESET"),
        )
        pipeline = cls(index, crawler.stats)
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        adapter = ItemAdapter(item)
        key = identity(adapter)
        if self.index.is_archived(*key):
            self.stats.inc_value("snapshot/dedup/dropped")
            logger.info("Dropped %s: already archived with the same content", adapter.get("url"))
            raise DropItem("duplicate of an archived snapshot")
        return item

    def item_scraped(self, item: Any) -> None:
        adapter = ItemAdapter(item)
        self.index.mark_archived(*identity(adapter), adapter.get("snapshot_time") or "")
        self.stats.inc_value("snapshot/dedup/recorded")

    def spider_closed(self) -> None:
        self.index.close()


def state_name(spider: Spider | None) -> str:
    """Whose state a crawl keeps: its site file's name, else its first start URL's host."""
    site = getattr(spider, "site", None)
    if site is not None and site.name:
        return str(site.name)
    urls = getattr(spider, "start_urls", None) or []
    return (urlsplit(urls[0]).hostname or "local") if urls else "default"


def identity(adapter: ItemAdapter) -> tuple[str, str]:
    """(URL key, content hash): the canonical URL when the page declares one, else its URL."""
    url = adapter.get("canonical_url") or adapter.get("url") or ""
    return url_key(url), adapter.get("content_hash") or ""
