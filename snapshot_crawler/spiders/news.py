"""The ``news`` spider: start pages, sitemaps and feeds in, one Snapshot per article page out.

scrapy crawl news -a site=demo                      # a site file, sites/demo.toml
scrapy crawl news -a site=path/to/mysite.toml       # a site file elsewhere
scrapy crawl news -a start_urls=https://a.cn/,https://b.cn/news/
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.statscollectors import StatsCollector
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure
from w3lib.encoding import http_content_type_encoding

from snapshot_crawler.extract.article import Page, extract_signed
from snapshot_crawler.extract.encoding import looks_binary
from snapshot_crawler.extract.feeds import parse_w3c_datetime, read_feed
from snapshot_crawler.extract.fingerprint import Signature, remember
from snapshot_crawler.extract.pool import ProcessPool
from snapshot_crawler.items import RelatedLink, Snapshot
from snapshot_crawler.middlewares.incremental import DISCOVERY_KINDS
from snapshot_crawler.pipelines.normalize import boilerplate_patterns
from snapshot_crawler.replay import replay_request, saved_pages
from snapshot_crawler.sites import Site, load_site, start_url
from snapshot_crawler.urls import clean_url

logger = logging.getLogger(__name__)

# Without site patterns, URLs like these are list pages: followed, never archived.
_LIST_URL = re.compile(
    r"/$|/(index|list|default|page|more)([_-]?\d+)?\.s?html?$|[/_-]page[/_-]?\d+|[?&]page=\d+", re.I
)


SKIP = "skip"
"""``link_kind`` of a link that is not requested: off the site, ignored, or neither article
nor list by the site's patterns."""


class NewsSpider(scrapy.Spider):
    """Finds article pages through the site's sitemaps, feeds and list pages (following in-site
    links from its start pages) and archives each.

    Every request carries its kind in ``meta["snapshot_kind"]``: "start", "list", "sitemap",
    "robots", "feed", "article", or None for a page the site's patterns do not classify.
    """

    name = "news"

    def __init__(
        self,
        site: str | None = None,
        start_urls: str | None = None,
        replay: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.replay = replay
        if replay is None and bool(site) == bool(start_urls):
            raise ValueError("give exactly one of -a site=NAME or -a start_urls=URL[,URL...]")
        if site:
            self.site = load_site(site)
        else:
            urls = [start_url(u.strip()) for u in (start_urls or "").split(",") if u.strip()]
            self.site = Site(name="", start_urls=urls)
        self.start_urls = self.site.start_urls
        self.site_tz = ZoneInfo(self.site.timezone) if self.site.timezone else None
        entry_points = [*self.start_urls, *self.site.sitemaps, *self.site.feeds]
        http_hosts = [h for u in entry_points if (h := urlsplit(u).hostname)]
        self.allowed_domains = self.site.allowed_domains or http_hosts
        # file:// start pages (the demo site, saved sites) are crawled within their folder
        self._local_roots = [
            u.rsplit("/", 1)[0] + "/" for u in entry_points if u.startswith("file:")
        ]
        self._followed: set[str] = set()
        self.extractor = ProcessPool(0)
        """Where pages are extracted; from_crawler sets it by SNAPSHOT_EXTRACT_PROCESSES."""
        self.boilerplate: tuple[str, ...] = ()
        """The normalize stage's patterns: content is signed as that stage will leave it."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Site settings sit between the project's and the command line's (-s wins).
        crawler.settings.setdict(spider.site.settings, priority="spider")
        crawler.signals.connect(spider.redirect_dropped, signal=signals.request_dropped)
        spider.extractor = ProcessPool(crawler.settings.getint("SNAPSHOT_EXTRACT_PROCESSES"))
        spider.boilerplate = tuple(boilerplate_patterns(crawler.settings))
        crawler.signals.connect(spider.extractor.close, signal=signals.spider_closed)
        return spider

    @property
    def tz(self) -> tzinfo:
        """The zone of snapshot times, and of page times that give no other clue."""
        return self.site_tz or ZoneInfo(self.settings.get("SNAPSHOT_TIMEZONE"))

    async def start(self) -> AsyncIterator[Any]:
        if self.replay:
            for page in saved_pages(self.replay):
                yield replay_request(page, callback=self.parse)
            return
        for url in self.start_urls:
            yield self.request(url, "start")
        for url in self.site.sitemaps:
            yield self.request(url, "robots" if url.endswith("/robots.txt") else "sitemap")
        for url in self.site.feeds:
            yield self.request(url, "feed")

    def request(
        self,
        url: str,
        kind: str | None,
        list_depth: int = 0,
        lastmod: datetime | None = None,
    ) -> scrapy.Request:
        """A request of one kind; ``list_depth`` counts the list pages on the way to it."""
        callbacks = {
            "robots": self.parse_robots,
            "sitemap": self.parse_sitemap,
            "feed": self.parse_feed,
        }
        meta: dict[str, Any] = {"snapshot_kind": kind, "snapshot_list_depth": list_depth}
        if lastmod is not None:
            meta["snapshot_lastmod"] = (
                lastmod if lastmod.tzinfo else lastmod.replace(tzinfo=self.tz)
            ).isoformat()
        return scrapy.Request(
            url,
            callback=callbacks.get(kind or "", self.parse),
            errback=self.failed,
            meta=meta,
            # articles before the next list page: the queue holds about one list's articles,
            # not every article of a site paginated a thousand lists deep
            priority=1 if kind == "article" else 0,
        )

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    async def parse(self, response: Response) -> AsyncIterator[Any]:
        stats = self.stats
        if not isinstance(response, TextResponse) or looks_binary(response.body):
            stats.inc_value("snapshot/pages/not_text")
            logger.warning("Not a text page, skipped: %s", response.url)
            return
        # a replayed page was saved because it is an article; nothing is followed from it
        kind = "article" if self.replay else self.page_kind(response.url)
        fetched = self.snapshot_time(response)
        page, signed = await self.extract(response, fetched)
        if kind == "article" or (kind is None and self.looks_like_article(page)):
            stats.inc_value("snapshot/pages/article")
            if signed is not None:
                remember(signed)  # for the dedup stage
            yield self.snapshot(response, page, fetched)
        else:
            stats.inc_value(f"snapshot/pages/{kind or 'other'}")
        if not self.replay:
            for request in self.follow(page.links, response.meta.get("snapshot_list_depth", 0)):
                yield request

    def follow(self, links: Iterable[str], list_depth: int) -> Iterator[scrapy.Request]:
        """Requests for a page's in-site links; a list page only within the site's list depth.
        A link followed before in this crawl is not made a request again: pages link to the
        same sections and stories over and over, and a request costs the middlewares and a
        fingerprint before Scrapy's duplicate filter drops it."""
        for link in map(clean_url, links):
            if link in self._followed:
                continue
            kind = self.link_kind(link)
            if kind == "list" and list_depth >= self.site.list_depth:
                continue  # too deep from here; maybe not from another list
            self._followed.add(link)
            if kind != SKIP:
                yield self.request(link, kind, list_depth + 1 if kind == "list" else list_depth)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        """The sitemaps named by ``Sitemap:`` lines of a robots.txt."""
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            yield self.request(url, "sitemap")

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        """A sitemap index's sitemaps, or a sitemap's (or news sitemap's) article pages."""
        sitemap = open_sitemap(response, self.settings.getint("DOWNLOAD_MAXSIZE"))
        if sitemap is None:
            self.discovery_failed(response.request, "not a sitemap")
            return
        self.stats.inc_value("snapshot/pages/sitemap")
        for entry in sitemap:
            if sitemap.type == "sitemapindex":
                if self.in_site(entry["loc"]):
                    yield self.request(entry["loc"], "sitemap")
            else:
                lastmod = parse_w3c_datetime(entry.get("lastmod") or "")
                yield from self.entry(entry["loc"], lastmod)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        """The article pages an RSS or Atom feed links."""
        entries = read_feed(response.body, response.url)
        if entries is None:
            self.discovery_failed(response.request, "not an RSS or Atom feed")
            return
        self.stats.inc_value("snapshot/pages/feed")
        for feed_entry in entries:
            yield from self.entry(feed_entry.url, feed_entry.updated)

    def entry(self, url: str, lastmod: datetime | None) -> Iterator[scrapy.Request]:
        """A sitemap's or feed's link, requested when it is an in-site article page."""
        url = clean_url(url)
        if (kind := self.link_kind(url)) not in (SKIP, "list"):
            yield self.request(url, kind, lastmod=lastmod)

    def failed(self, failure: Failure) -> None:
        """A request that failed for good (after retries)."""
        self.page_failed(failure.request, failure.getErrorMessage())  # type: ignore[attr-defined]

    def redirect_dropped(self, request: scrapy.Request) -> None:
        """A redirect back to a URL already requested (a loop) is dropped by Scrapy's duplicate
        filter without a word: report it as the failure it is."""
        chain = request.meta.get("redirect_urls")
        if chain:
            self.page_failed(request.replace(url=chain[0]), f"redirect loop via {request.url}")

    def page_failed(self, request: scrapy.Request, why: str) -> None:
        """Count and report a page that gave nothing: a discovery page fails the run."""
        if request.meta.get("snapshot_kind") in DISCOVERY_KINDS:
            self.discovery_failed(request, why)
        else:
            self.stats.inc_value("snapshot/articles/failed")
            logger.warning("Article page failed: %s: %s", request.url, why)

    def discovery_failed(self, request: scrapy.Request | None, why: str) -> None:
        """Count and report a start page, list, sitemap or feed that gave no links."""
        assert request is not None
        self.stats.inc_value("snapshot/discovery/failed")
        logger.error(
            "Discovery failed, %s %s: %s", request.meta.get("snapshot_kind"), request.url, why
        )

    async def extract(
        self, response: TextResponse, fetched: datetime
    ) -> tuple[Page, tuple[str, Signature] | None]:
        """Run the generic extractor (with the site's selectors) on the response's bytes, in
        the extractor's worker processes (``SNAPSHOT_EXTRACT_PROCESSES``); with the page, its
        content's signature, computed there."""
        content_type = response.headers.get(b"Content-Type")
        return await self.extractor.run(
            extract_signed,
            response.body,
            response.url,
            self.boilerplate,
            now=fetched,
            default_tz=self.tz,
            site_tz=self.site_tz,
            http_charset=http_content_type_encoding(content_type.decode("latin-1"))
            if content_type
            else None,
            site_name=self.site.display_name,
            selectors=self.site.selectors,
            with_links=not self.replay,
            infer_tz=self.settings.getbool("SNAPSHOT_INFER_TIMEZONE"),
        )

    def snapshot(self, response: Response, page: Page, fetched: datetime) -> Snapshot:
        """The item for an article page; the pipelines normalize it and set its hash."""
        fields = page.fields
        requested = response.meta.get("redirect_urls", [response.url])[0]
        capture = response.meta.get("snapshot_warc_record")
        return Snapshot(
            url=requested,
            final_url=response.url if response.url != requested else None,
            canonical_url=fields["canonical_url"],
            title=fields["title"],
            category=fields["category"],
            publish_time=fields["publish_time"],
            publish_time_raw=fields["publish_time_raw"],
            source=fields["source"],
            reposted_from=fields["reposted_from"],
            authors=fields["authors"],
            content=fields["content"],
            language=fields["language"],
            related=[RelatedLink(title=r["title"], url=r["url"]) for r in fields["related"]],
            snapshot_time=fetched.isoformat(),
            warc_file=capture.file if capture else None,
            warc_record_id=capture.record_id if capture else None,
            site=self.site.name or urlsplit(requested).hostname or "local",
        )

    def snapshot_time(self, response: Response) -> datetime:
        """When the page was fetched: now, or the time a replayed capture carries in its meta."""
        given = response.meta.get("snapshot_time")
        if not given:
            return datetime.now(self.tz).replace(microsecond=0)
        when = parse_w3c_datetime(given)  # a manifest's, or a WARC-Date ("...Z")
        if when is None:
            raise ValueError(f"{response.url}: snapshot_time {given!r} is no ISO 8601 time")
        return when.astimezone(self.tz)  # in the crawl's zone, as a live crawl gives it

    def page_kind(self, url: str) -> str | None:
        """The page's kind by the site's patterns: "article", "list", "ignore" or "other"; None
        when the site has no patterns and the URL does not look like a list page either."""
        if any(p.search(url) for p in self.site.ignore_urls):
            return "ignore"
        if any(p.search(url) for p in self.site.article_urls):
            return "article"
        if any(p.search(url) for p in self.site.list_urls):
            return "list"
        if self.site.article_urls or self.site.list_urls:
            return "other"
        parts = urlsplit(url)
        return (
            "list"
            if _LIST_URL.search(parts.path + (f"?{parts.query}" if parts.query else ""))
            else None
        )

    def looks_like_article(self, page: Page) -> bool:
        """Heuristic for pages the site's patterns do not classify: enough body text."""
        return len(page.fields["content"] or "") >= self.settings.getint(
            "SNAPSHOT_ARTICLE_MIN_CHARS"
        )

    def in_site(self, url: str) -> bool:
        """http(s) on the allowed hosts, or inside the local site's folder. (Checking here
        spares building requests that Scrapy's offsite middleware would drop.)"""
        if url.startswith("file:"):
            return any(url.startswith(root) for root in self._local_roots)
        if not url.startswith(("http://", "https://")):
            return False
        # by host name, as Scrapy's offsite filter judges (url_is_from_any_domain would also
        # compare the port)
        host = urlsplit(url).hostname or ""
        return not self.allowed_domains or any(
            host == domain or host.endswith(f".{domain}") for domain in self.allowed_domains
        )

    def link_kind(self, url: str) -> str | None:
        """The kind of a link worth a request: an in-site "article", "list", or None for a page
        the site leaves unclassified; SKIP for any other link."""
        if not self.in_site(url):
            return SKIP
        kind = self.page_kind(url)
        return kind if kind in ("article", "list", None) else SKIP


def open_sitemap(response: Response, max_size: int) -> Sitemap | None:
    """A sitemap or sitemap index (gunzipped when it is a .xml.gz file); None otherwise."""
    if gzip_magic_number(response):
        body = gunzip(response.body, max_size=max_size)
    elif isinstance(response, TextResponse) or urlsplit(response.url).path.endswith(".xml"):
        body = response.body
    else:
        return None
    try:
        sitemap = Sitemap(body)
    except StopIteration:  # not even one XML element
        return None
    return sitemap if sitemap.type in ("urlset", "sitemapindex") else None
