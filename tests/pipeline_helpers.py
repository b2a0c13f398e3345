"""Crawlers for unit tests of components: the project's settings, plus overrides."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from snapshot_crawler import settings as project_settings
from snapshot_crawler.spiders.news import NewsSpider


def make_crawler(overrides: dict[str, Any] | None = None) -> Crawler:
    values = {k: v for k, v in vars(project_settings).items() if k.isupper()}
    values["SNAPSHOT_STATE_DIR"] = ""  # unit tests keep no state between runs
    values.update(overrides or {})
    return get_crawler(NewsSpider, values)
