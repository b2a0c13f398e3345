"""Raw captures: the responses of article pages (or of every page) written to WARC files."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from snapshot_crawler import project_path
from snapshot_crawler.extensions.crawl_state import CrawlState, state_name
from snapshot_crawler.state import CrawlStore, StateError
from snapshot_crawler.urls import url_key
from snapshot_crawler.warc import HttpExchange, WarcWriter

logger = logging.getLogger(__name__)


def _pairs(headers: Any) -> list[tuple[str, str]]:
    """Scrapy headers as (name, value) text pairs, one pair per value."""
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class WarcCaptureMiddleware:
    """Writes each article response (``SNAPSHOT_WARC_ALL``: every response) as a request and a
    response record to ``SNAPSHOT_WARC_DIR``; a page whose payload is the same as at its last
    capture becomes a revisit record. The capture's file and record id go to
    ``meta["snapshot_warc_record"]``, and from there onto the snapshot. A request opts out with
    ``meta["snapshot_warc"] = False``; off with ``SNAPSHOT_WARC_ENABLED=False``.
    """

    def __init__(
        self, writer: WarcWriter, store: CrawlStore, site: str, every: bool, stats: StatsCollector
    ) -> None:
        self.writer = writer
        self.store = store
        self.site = site
        self.every = every
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        settings = crawler.settings
        if not settings.getbool("SNAPSHOT_WARC_ENABLED"):
            raise NotConfigured("SNAPSHOT_WARC_ENABLED is off")
        state = CrawlState.of(crawler)
        assert crawler.stats is not None
        writer = WarcWriter(
            project_path(settings["SNAPSHOT_WARC_DIR"]),
            settings.getint("SNAPSHOT_WARC_MAX_SIZE"),
            state.worker,
        )
        middleware = cls(
            writer,
            state.store,
            state_name(crawler.spider),
            settings.getbool("SNAPSHOT_WARC_ALL"),
            crawler.stats,
        )
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        meta = request.meta
        if meta.get("snapshot_warc") is False or "replay_path" in meta:
            return response
        # the spider's article pages, and pages its patterns leave unclassified (kind None);
        # not robots.txt and other requests of Scrapy's own, which carry no kind
        kind = meta.get("snapshot_kind", "other")
        if not self.every and kind not in ("article", None):
            return response
        key = url_key(response.url)
        previous = self.store.capture(key)
        capture = self.writer.write(
            self.site,
            HttpExchange(
                url=response.url,
                method=request.method,
                request_headers=_pairs(request.headers),
                status=response.status,
                reason=_reason(response.status),
                response_headers=_pairs(response.headers),
                body=response.body,
                fetched=datetime.now(timezone.utc),
            ),
            previous,
        )
        if not capture.revisit:
            try:
                self.store.record_capture(key, capture)
            except StateError as exc:  # the capture is written; a later one is a full copy
                logger.error("%s; %s will not be written as a revisit next time", exc, key)
        meta["snapshot_warc_record"] = capture
        self.stats.inc_value(f"snapshot/warc/{'revisit' if capture.revisit else 'response'}")
        return response

    def spider_closed(self) -> None:
        self.writer.close()
        for path, cut in self.writer.repaired:
            self.stats.inc_value("snapshot/warc/torn_repaired")
            self.stats.set_value("snapshot/warc/last_repaired", f"{path} ({cut} bytes)")
