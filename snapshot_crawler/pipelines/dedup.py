"""Stage 3: snapshot versions. A page whose content has not changed since its last archived
snapshot is dropped; a changed one becomes the next version of its URL."""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector

from snapshot_crawler.extensions.crawl_state import CrawlState
from snapshot_crawler.state import CrawlStore
from snapshot_crawler.urls import url_key

logger = logging.getLogger(__name__)


class DedupPipeline:
    """Compares each snapshot with the crawl state's record of its URL (canonicalized): the
    same content hash is dropped as unchanged (in this run or, through ``SNAPSHOT_STATE_DIR``,
    any earlier one); different content gets ``version`` = previous + 1 and the previous
    snapshot's time. An item counts as archived only once it has passed every stage
    (``item_scraped``), so a snapshot that a later stage dropped or failed to write is fetched
    and offered again next run. Off with ``SNAPSHOT_DEDUP_ENABLED=False``.
    """

    def __init__(self, store: CrawlStore, stats: StatsCollector) -> None:
        self.store = store
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        if not crawler.settings.getbool("SNAPSHOT_DEDUP_ENABLED"):
            raise NotConfigured("SNAPSHOT_DEDUP_ENABLED is off")
        state = crawler.get_extension(CrawlState)
        if state is None:
            raise NotConfigured("the CrawlState extension is not enabled")
        assert crawler.stats is not None
        pipeline = cls(state.store, crawler.stats)
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        return pipeline

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        adapter = ItemAdapter(item)
        key = url_key(adapter["url"])
        previous = self.store.article(key)
        if previous is None:
            adapter["version"] = 1
            return item
        if previous.content_hash == adapter["content_hash"]:
            self.store.record_fetch(key, adapter["snapshot_time"])
            self.stats.inc_value("snapshot/dedup/unchanged")
            raise DropItem(
                f"unchanged since its snapshot of {previous.snapshot_time}", log_level="INFO"
            )
        adapter["version"] = previous.version + 1
        adapter["previous_snapshot_time"] = previous.snapshot_time
        self.stats.inc_value("snapshot/dedup/new_version")
        return item

    def item_scraped(self, item: Any) -> None:
        adapter = ItemAdapter(item)
        self.store.record_snapshot(
            url_key(adapter["url"]),
            adapter["content_hash"],
            adapter["snapshot_time"],
            adapter.get("publish_time"),
        )
        self.stats.inc_value("snapshot/dedup/recorded")
