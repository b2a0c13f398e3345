"""Replaying saved pages: a manifest, WARC files, or a folder of ``.html``/``.html.gz`` and WARC
files, served to the spider as responses by a downloader middleware, so that no request
reaches the network."""

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
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.statscollectors import StatsCollector
from warcio.exceptions import ArchiveLoadFailed

from snapshot_crawler.warc import read_capture, warc_entries

logger = logging.getLogger(__name__)
PAGE_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
WARC_SUFFIXES = (".warc", ".warc.gz")


@dataclass
class SavedPage:
    """One page to replay: the URL it was fetched from and where its bytes are."""

    url: str
    path: Path
    encoding: str | None = None
    snapshot_time: str | None = None
    warc_offset: int | None = None
    """For a WARC capture: the offset in ``path`` of the record that holds the page."""


def saved_pages(source: str | Path) -> Iterator[SavedPage]:
    """The pages of a manifest (JSON lines of url, path, encoding?, snapshot_time?; paths
    relative to the manifest), of WARC files (every response and revisit record, at the URL
    and time it was fetched), or of a folder (every .html/.html.gz below it, as file:// URLs,
    and every WARC file)."""
    source = Path(source)
    if source.is_dir():
        files = sorted(source.rglob("*"))
        for path in (p for p in files if p.name.endswith(PAGE_SUFFIXES)):
            yield SavedPage(path.resolve().as_uri(), path)
        yield from _warc_pages([p for p in files if p.name.endswith(WARC_SUFFIXES)])
        return
    if source.name.endswith(WARC_SUFFIXES):
        yield from _warc_pages([source])
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


def _warc_pages(paths: list[Path]) -> Iterator[SavedPage]:
    # file names start with the site and the time they were begun: sorted, oldest first
    for entry in warc_entries(sorted(paths, key=lambda p: p.name)):
        yield SavedPage(
            entry.url,
            entry.payload_path,
            snapshot_time=entry.fetched,
            warc_offset=entry.payload_offset,
        )


def replay_request(page: SavedPage, **kwargs: Any) -> Request:
    """A request for a saved page; the middleware below answers it from disk."""
    meta = {
        "replay_path": str(page.path),
        "replay_encoding": page.encoding,
        "replay_warc_offset": page.warc_offset,
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
        offset = request.meta.get("replay_warc_offset")
        try:
            if offset is not None:
                capture = read_capture(Path(path), offset)
                body, headers = capture.body, Headers(capture.headers)
            else:
                body = read_page(Path(path))
                charset = request.meta.get("replay_encoding")
                content_type = f"text/html; charset={charset}" if charset else "text/html"
                headers = Headers({"Content-Type": content_type})
        except (OSError, EOFError, gzip.BadGzipFile, StopIteration, ArchiveLoadFailed) as exc:
            self.stats.inc_value("snapshot/replay/failed")
            logger.error("Replay of %s failed: cannot read %s: %s", request.url, path, exc)
            raise IgnoreRequest(f"cannot read {path}") from exc
        self.stats.inc_value("snapshot/replay/pages")
        response_class = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return response_class(request.url, body=body, headers=headers, request=request)

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
