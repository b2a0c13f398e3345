"""The ``news`` spider: start pages in, one Snapshot per article page out.

scrapy crawl news -a site=demo                      # a site file, sites/demo.toml
scrapy crawl news -a start_urls=https://a.cn/,https://b.cn/news/
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.url import url_is_from_any_domain
from w3lib.encoding import http_content_type_encoding

from snapshot_crawler.extract.article import Page, extract_article
from snapshot_crawler.items import RelatedLink, Snapshot
from snapshot_crawler.replay import replay_request, saved_pages
from snapshot_crawler.sites import Site, load_site, start_url

# Without site patterns, URLs like these are list pages: followed, never archived.
_LIST_URL = re.compile(
    r"/$|/(index|list|default|page|more)([_-]?\d+)?\.s?html?$|[/_-]page[/_-]?\d+|[?&]page=\d+", re.I
)


class NewsSpider(scrapy.Spider):
    """Follows in-site links from the start pages and archives every article page it finds."""

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
        http_hosts = [h for u in self.start_urls if (h := urlsplit(u).hostname)]
        self.allowed_domains = self.site.allowed_domains or http_hosts
        # file:// start pages (the demo site, saved sites) are crawled within their folder
        self._local_roots = [
            u.rsplit("/", 1)[0] + "/" for u in self.start_urls if u.startswith("file:")
        ]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Site settings sit between the project's and the command line's (-s wins).
        crawler.settings.setdict(spider.site.settings, priority="spider")
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
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response: Response) -> Iterator[Any]:
        stats = self.crawler.stats
        assert stats is not None
        if not isinstance(response, TextResponse):
            stats.inc_value("snapshot/pages/not_text")
            return
        # a replayed page was saved because it is an article; nothing is followed from it
        kind = "article" if self.replay else self.page_kind(response.url)
        fetched = self.snapshot_time(response)
        page = self.extract(response, fetched)
        if kind == "article" or (kind is None and self.looks_like_article(page)):
            stats.inc_value("snapshot/pages/article")
            yield self.snapshot(response, page, fetched)
        else:
            stats.inc_value(f"snapshot/pages/{kind or 'other'}")
        for link in () if self.replay else page.links:
            if self.should_follow(link):
                yield scrapy.Request(link, callback=self.parse)

    def extract(self, response: TextResponse, fetched: datetime) -> Page:
        """Run the generic extractor (with the site's selectors) on the response's bytes."""
        content_type = response.headers.get(b"Content-Type")
        return extract_article(
            response.body,
            response.url,
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
            site=self.site.name or urlsplit(requested).hostname or "local",
        )

    def snapshot_time(self, response: Response) -> datetime:
        """When the page was fetched: now, or the time a replayed capture carries in its meta."""
        given = response.meta.get("snapshot_time")
        if given:
            return datetime.fromisoformat(given)
        return datetime.now(self.tz).replace(microsecond=0)

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

    def should_follow(self, url: str) -> bool:
        """In-site links worth a request: http(s) on the allowed hosts, or inside the local
        site's folder, and not ignored by the site. (Checking here spares building requests
        that Scrapy's offsite middleware would drop.)"""
        if url.startswith("file:"):
            if not any(url.startswith(root) for root in self._local_roots):
                return False
        elif not url.startswith(("http://", "https://")) or (
            self.allowed_domains and not url_is_from_any_domain(url, self.allowed_domains)
        ):
            return False
        return self.page_kind(url) in ("article", "list", None)
