"""The baselines of ``bench/throughput.py``: a bare Scrapy spider, and the same spider running
trafilatura in its callback; plus ``StatsToFile``, the extension that hands a crawl's Scrapy
stats to the benchmark.

The spider starts at ``BASE_URL/news/index.html``, follows every in-site link of every page
with Scrapy's own link handling, and yields one item per article page (a URL with
``/news/YYYY/``). ``-a extractor=none`` (the default) yields the URL and the ``<h1>`` only;
``-a extractor=trafilatura`` runs ``trafilatura.bare_extraction`` on the page. Run it outside
the project (so that its settings, pipelines, middlewares and extensions stay out), e.g.::

    cd /tmp && PYTHONPATH=/work/main/bench python -m scrapy runspider \\
        /work/main/bench/bare_spiders.py -a base_url=http://127.0.0.1:8089 \\
        -s 'EXTENSIONS={"bare_spiders.StatsToFile": 0}' -s BENCH_STATS_FILE=/tmp/stats.json

``bench/throughput.py`` does that, with the politeness settings of its other crawls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor

ARTICLE_URL = re.compile(r"/news/\d{4}/")
EXTRACTORS = ("none", "trafilatura")


class StatsToFile:
    """Writes the crawl's Scrapy stats, as JSON, to the file named by ``BENCH_STATS_FILE``
    once the engine has stopped (so after CoreStats has set ``elapsed_time_seconds``)."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsToFile:
        path = crawler.settings.get("BENCH_STATS_FILE")
        if not path:
            raise NotConfigured("BENCH_STATS_FILE is not set")
        extension = cls(crawler, Path(path))
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        self.path.write_text(json.dumps(stats, default=str, indent=1), encoding="utf-8")


class BareSpider(scrapy.Spider):
    """Every in-site link of every page; an item per article page."""

    name = "bare"

    def __init__(self, base_url: str, extractor: str = "none", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if extractor not in EXTRACTORS:
            raise ValueError(f"extractor must be one of {EXTRACTORS}, not {extractor!r}")
        self.start_urls = [base_url.rstrip("/") + "/news/index.html"]
        # Scrapy matches the domain against the host with its port: give both
        self.links = LinkExtractor(allow_domains=[urlsplit(base_url).netloc])
        self.extractor = extractor
        if extractor == "trafilatura":
            # imported here, so that the bare crawl's memory does not include it
            import trafilatura

            self.trafilatura = trafilatura

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if ARTICLE_URL.search(response.url):
            yield self.article(response)
        yield from response.follow_all(self.links.extract_links(response))

    def article(self, response: Response) -> dict[str, Any]:
        if self.extractor == "none":
            return {"url": response.url, "title": response.css("h1::text").get()}
        document = self.trafilatura.bare_extraction(
            response.text, url=response.url, with_metadata=True
        )
        if document is None:
            return {"url": response.url}
        return {
            "url": response.url,
            "title": document.title,
            "author": document.author,
            "date": document.date,
            "text": document.text,
        }
