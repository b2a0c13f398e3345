"""Replaying saved pages: a manifest or a folder of ``.html``/``.html.gz`` files, served to the
spider as responses by a downloader middleware, so that no request reaches the network."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)
PAGE_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")


@dataclass
class SavedPage:
    """One page to replay: the URL it was fetched from and where its bytes are."""

    url: str
    path: Path
    encoding: str | None = None
    snapshot_time: str | None = None


def saved_pages(source: str | Path) -> Iterator[SavedPage]:
    """The pages of a manifest (JSON lines of url, path, encoding?, snapshot_time?; paths
    relative to the manifest) or of a folder (every .html/.html.gz below it, as file:// URLs)."""
    source = Path(source)
    if source.is_dir():
        for path in sorted(p for p in source.rglob("*") if p.name.endswith(PAGE_SUFFIXES)):
            yield SavedPage(path.resolve().as_uri(), path)
        return
    with source.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                yield SavedPage(
                    url=entry["url"],
                    path=source.parent / entry["path"],
                    encoding=entry.get("encoding"),
                    snapshot_time=entry.get("snapshot_time"),
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{source}:{number}: not a manifest line ({exc})") from exc


def replay_request(page: SavedPage, **kwargs: Any) -> Request:
    """A request for a saved page; the middleware below answers it from disk."""
    meta = {
        "replay_path": str(page.path),
        "replay_encoding": page.encoding,
        "dont_obey_robotstxt": True,
    }
    if page.snapshot_time:
        meta["snapshot_time"] = page.snapshot_time
    return Request(page.url, meta=meta, dont_filter=True, **kwargs)


def read_page(path: Path) -> bytes:
    """A saved page's bytes, gunzipped when the name says so."""
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


class ReplayDownloaderMiddleware:
    """Answers requests that carry ``meta["replay_path"]`` with the saved file's bytes; a file
    that cannot be read is logged and counted (``snapshot/replay/failed``), never skipped
    silently."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayDownloaderMiddleware:
        assert crawler.stats is not None
        middleware = cls(crawler.stats)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_request(self, request: Request, spider: Spider | None = None) -> Response | None:
        path = request.meta.get("replay_path")
        if path is None:
            return None
        try:
            body = read_page(Path(path))
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            self.stats.inc_value("snapshot/replay/failed")
            logger.error("Replay of %s failed: cannot read %s: %s", request.url, path, exc)
            raise IgnoreRequest(f"cannot read {path}") from exc
        self.stats.inc_value("snapshot/replay/pages")
        charset = request.meta.get("replay_encoding")
        headers = {"Content-Type": f"text/html; charset={charset}" if charset else "text/html"}
        return HtmlResponse(request.url, body=body, headers=headers, request=request)

    def spider_closed(self, spider: Spider) -> None:
        pages = self.stats.get_value("snapshot/replay/pages", 0)
        if pages or self.stats.get_value("snapshot/replay/failed"):
            logger.info(
                "Replayed %d pages: %d items archived or exported, %d unreadable, %d dropped",
                pages,
                self.stats.get_value("item_scraped_count", 0),
                self.stats.get_value("snapshot/replay/failed", 0),
                self.stats.get_value("item_dropped_count", 0),
            )
