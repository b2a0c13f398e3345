"""Stage 1: drop items that miss a required field, saying which and why."""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class ValidatePipeline:
    """Drops an item whose required fields (``SNAPSHOT_REQUIRED_FIELDS``) are empty."""

    def __init__(self, required: list[str], stats: StatsCollector) -> None:
        self.required = required
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        assert crawler.stats is not None
        return cls(crawler.settings.getlist("SNAPSHOT_REQUIRED_FIELDS"), crawler.stats)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        adapter = ItemAdapter(item)
        missing = [name for name in self.required if not _present(adapter.get(name))]
        if missing:
            self.stats.inc_value("snapshot/validate/dropped")
            for name in missing:
                self.stats.inc_value(f"snapshot/validate/missing/{name}")
            logger.warning("Dropped %s: no %s", adapter.get("url"), ", ".join(missing))
            raise DropItem(f"missing {', '.join(missing)}")
        self.stats.inc_value("snapshot/validate/passed")
        return item


def _present(value: Any) -> bool:
    return bool(value.strip()) if isinstance(value, str) else bool(value)
