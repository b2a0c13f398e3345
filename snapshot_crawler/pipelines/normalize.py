"""Stage 2: normalize every text field (NFKC, invisible characters, whitespace, boilerplate)."""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from snapshot_crawler.extract.fingerprint import content_hash
from snapshot_crawler.extract.text import clean_line, clean_paragraphs, compile_boilerplate

logger = logging.getLogger(__name__)

# Identifiers and times are kept as written; every other string is text to normalize.
_VERBATIM = frozenset(
    {"url", "final_url", "canonical_url", "publish_time", "snapshot_time", "site", "content_hash"}
)


class NormalizePipeline:
    """NFKC-normalizes text fields, cleans the content into one paragraph per line without
    boilerplate lines, and sets ``content_hash``."""

    def __init__(self, patterns: list[str], stats: StatsCollector) -> None:
        self.boilerplate = compile_boilerplate(patterns)
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        assert crawler.stats is not None
        return cls(boilerplate_patterns(crawler.settings), crawler.stats)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        adapter = ItemAdapter(item)
        for name, value in adapter.items():
            if name in _VERBATIM or value is None:
                continue
            if name == "content":
                adapter[name] = clean_paragraphs(value, self.boilerplate) or None
            elif name == "authors":
                adapter[name] = list(dict.fromkeys(a for a in map(clean_line, value) if a))
            elif name == "related":
                adapter[name] = [
                    {"title": title, "url": link["url"]}
                    for link in value
                    if (title := clean_line(link["title"]))
                ]
            elif isinstance(value, str):
                adapter[name] = clean_line(value) or None
        content = adapter.get("content")
        if not content:
            self.stats.inc_value("snapshot/normalize/dropped_empty")
            logger.warning("Dropped %s: no content left after normalization", adapter.get("url"))
            raise DropItem("content is only boilerplate")
        if "content_hash" in adapter.field_names():
            adapter["content_hash"] = content_hash(content)
        self.stats.inc_value("snapshot/normalize/items")
        return item


def boilerplate_patterns(settings: BaseSettings) -> list[str]:
    """The boilerplate line patterns the settings give: the defaults and the site's extras."""
    return [
        *settings.getlist("SNAPSHOT_BOILERPLATE_PATTERNS"),
        *settings.getlist("SNAPSHOT_BOILERPLATE_EXTRA_PATTERNS"),
    ]
