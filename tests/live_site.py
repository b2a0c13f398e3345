"""A news site served over HTTP on 127.0.0.1 that tests change between crawl runs.

It offers every discovery kind at once: robots.txt naming a sitemap index, which names a
gzipped sitemap (with ``<lastmod>``) and a news sitemap; an RSS feed; an Atom feed (with
``<updated>``); and paginated list pages. Each article is published through exactly one of
them (``via``), so a test can tell which kind found it. Every request is recorded.
"""

from __future__ import annotations

import functools
import gzip
import html
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CST = timezone(timedelta(hours=8))
VIA = ("list", "sitemap", "news-sitemap", "rss", "atom")
LIST_PAGE_SIZE = 3


@dataclass
class Article:
    slug: str
    via: str
    published: datetime
    text: str
    modified: datetime

    @property
    def path(self) -> str:
        return f"/articles/{self.slug}.html"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A crawl opens up to 16 connections at once; socketserver's listen backlog of 5 drops the
    # rest of such a burst, and a dropped SYN is sent again only after a second, longer than
    # the 1 s download timeout some tests set: pages would fail that the site served fine.
    request_queue_size = 128


@dataclass
class NewsSite:
    """The site's articles and switches; ``serve()`` starts it, ``close()`` stops it."""

    articles: dict[str, Article] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    request_times: list[tuple[str, float]] = field(default_factory=list)
    article_delay: float = 0.0
    """Seconds each article page takes to answer (slow sites, for kill and overlap tests)."""
    broken: bool = False
    """Answer 500 to everything but robots.txt."""
    dateless: bool = False
    """A new layout: article pages no longer show their publish time."""
    empty: bool = False
    """Lists, sitemaps and feeds link no article."""
    unavailable: set[str] = field(default_factory=set)
    """Slugs of articles that answer 503 for now."""
    blank: set[str] = field(default_factory=set)
    """Slugs of articles whose pages are empty for now."""
    faults: dict[str, str] = field(default_factory=dict)
    """Slug -> how that article page fails: "404", "410", "503", "loop", "stall", "reset",
    "huge" (20 MB), "empty" (200 and no body), "bomb" (gzip of 1 GiB), "429once" (once), or
    "moved" (two redirects, then the page)."""
    extra_links: list[str] = field(default_factory=list)
    """More links on the first list page (other hosts, other schemes)."""
    gate: threading.Event = field(default_factory=threading.Event)
    """Article pages wait until it is set (it is, unless a test clears it to hold a crawl)."""

    def __post_init__(self) -> None:
        self.gate.set()

    root: str = ""
    _server: _Server | None = None

    def add(self, slug: str, via: str, published: datetime, text: str | None = None) -> Article:
        assert via in VIA
        body = text or f"{slug}的正文。" + "这是一段用于测试定期抓取的新闻内容,每篇都不相同。" * 4
        article = Article(slug, via, published, body, published)
        self.articles[slug] = article
        return article

    def edit(self, slug: str, text: str, modified: datetime | None = None) -> None:
        """Change an article's text; its sitemap/Atom modification time only when given."""
        article = self.articles[slug]
        article.text = text
        if modified is not None:
            article.modified = modified

    def article_requests(self) -> list[str]:
        return [p for p in self.requests if p.startswith("/articles/")]

    def url(self, path: str) -> str:
        return self.root + path

    def site_file(
        self, directory: Path, name: str = "live", list_depth: int = 3, **extra: Any
    ) -> Path:
        """A site file declaring every discovery kind of this site."""
        settings = {
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": "false",
            "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
            "RETRY_TIMES": 0,
            "SNAPSHOT_BACKOFF_BASE": 0.1,  # the tests' sites recover at once
            **extra,
        }
        path = directory / f"{name}.toml"
        path.write_text(
            f'display_name = "测试新闻网"\n'
            f'start_urls = ["{self.url("/news/index.html")}"]\n'
            f'sitemaps = ["{self.url("/robots.txt")}"]\n'
            f'feeds = ["{self.url("/rss.xml")}", "{self.url("/atom.xml")}"]\n'
            f'timezone = "Asia/Shanghai"\n'
            f"list_depth = {list_depth}\n"
            f"article_urls = ['/articles/']\n"
            f"list_urls = ['/news/']\n"
            f"[settings]\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()),
            encoding="utf-8",
        )
        return path

    # --- serving ------------------------------------------------------------------------------

    def serve(self, host: str = "127.0.0.1") -> NewsSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                site.request_times.append((self.path, time.monotonic()))
                path, _, query = self.path.partition("?")
                slug = path.removeprefix("/articles/").removesuffix(".html")
                # a fault strikes the article's own address (not where a redirect leads)
                fault = (
                    site.faults.get(slug) if path.startswith("/articles/") and not query else None
                )
                if path.startswith("/moved/"):  # the second hop: on to the article itself
                    moved = path.removeprefix("/moved/").removesuffix(".html")
                    self.send_response(302)
                    self.send_header("Location", f"/articles/{moved}.html?via=moved")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if fault == "429once":  # too many requests: come back in 2 s (once)
                    del site.faults[slug]
                    self.send_response(429)
                    self.send_header("Retry-After", "2")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if fault == "moved":  # a chain of two redirects to the page's new address
                    self.send_response(301)
                    self.send_header("Location", f"/moved/{slug}.html")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if fault == "reset":  # the connection drops before any response
                    self.close_connection = True
                    return
                if fault == "loop":  # a redirect to itself, forever
                    self.send_response(302)
                    self.send_header("Location", self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if fault == "stall":  # headers and a first part of the body, then silence
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    self.wfile.write(b"<html><body><p>")
                    self.wfile.flush()
                    time.sleep(3)
                    return
                status, content_type, body = site.render(path)
                headers = {"Content-Type": content_type}
                if fault == "huge":  # 20 MB of article
                    body = body.replace(
                        b"</p>", b"</p>" + (b"<p>" + b"x" * 1000 + b"</p>") * 20000, 1
                    )
                elif fault == "empty":
                    body = b""
                elif fault == "bomb":  # 1 GiB of zeros in 1 MiB of gzip
                    body, headers["Content-Encoding"] = gzip_bomb(), "gzip"
                elif fault is not None:  # an HTTP status: 404, 410, 503
                    status, body = int(fault), b"<h1>error</h1>"
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server((host, 0), Handler)
        self.root = f"http://{host}:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def render(self, path: str) -> tuple[int, str, bytes]:
        if path == "/robots.txt":
            text = (
                f"User-agent: *\nDisallow: /private/\nSitemap: {self.url('/sitemap-index.xml')}\n"
            )
            return 200, "text/plain", text.encode()
        if self.broken:
            return 500, "text/html", b"<h1>Internal Server Error</h1>"
        if path.startswith("/calendar/"):  # a calendar without end: each day links the next
            day = datetime.fromisoformat(path.removeprefix("/calendar/").removesuffix(".html"))
            following = (day + timedelta(days=1)).date().isoformat()
            link = f'<a href="/calendar/{following}.html">{following}</a>'
            return 200, "text/html; charset=utf-8", f"<html><body>{link}</body></html>".encode()
        if path.startswith("/articles/"):
            article = self.articles.get(path.removeprefix("/articles/").removesuffix(".html"))
            if article is None:
                return 404, "text/html", b"<h1>Not Found</h1>"
            if article.slug in self.unavailable:
                return 503, "text/html", b"<h1>Service Unavailable</h1>"
            if article.slug in self.blank:
                return 200, "text/html", b"<html><head><title></title></head><body></body></html>"
            self.gate.wait(timeout=60)
            time.sleep(self.article_delay)
            return 200, "text/html; charset=utf-8", self.article_page(article).encode()
        pages = {
            "/sitemap-index.xml": self.sitemap_index,
            "/sitemaps/articles.xml.gz": self.sitemap,
            "/sitemaps/news.xml": self.news_sitemap,
            "/rss.xml": self.rss,
            "/atom.xml": self.atom,
        }
        if path in pages:
            body = pages[path]().encode()
            if path.endswith(".gz"):
                return 200, "application/x-gzip", gzip.compress(body)
            return 200, "application/xml", body
        if path == "/news/index.html" or path.startswith("/news/page-"):
            number = 1 if path.endswith("index.html") else int(path.split("-")[1].split(".")[0])
            return 200, "text/html; charset=utf-8", self.list_page(number).encode()
        return 404, "text/html", b"<h1>Not Found</h1>"

    def via(self, kind: str) -> list[Article]:
        if self.empty:
            return []
        chosen = [a for a in self.articles.values() if a.via == kind]
        return sorted(chosen, key=lambda a: a.published, reverse=True)

    def article_page(self, article: Article) -> str:
        stamp = article.published.astimezone(CST)
        meta = (
            ""
            if self.dateless
            else f'<meta property="article:published_time" content="{stamp.isoformat()}">'
        )
        info = "" if self.dateless else f"发布时间:{stamp:%Y-%m-%d %H:%M:%S} "
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in article.text.split("\n"))
        title = f"新闻{article.slug}"
        return (
            f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{title}_测试新闻网</title>{meta}</head><body>"
            f'<div class="nav"><a href="/news/index.html">新闻</a></div>'
            f'<div class="article"><h1>{title}</h1>'
            f'<div class="info">{info}来源:测试新闻网</div>{paragraphs}</div>'
            f"</body></html>"
        )

    def list_page(self, number: int) -> str:
        listed = self.via("list")
        chunk = listed[(number - 1) * LIST_PAGE_SIZE : number * LIST_PAGE_SIZE]
        items = "".join(f'<li><a href="{a.path}">新闻{a.slug}</a></li>' for a in chunk)
        if number == 1:
            items += "".join(
                f'<li><a href="{html.escape(u)}">外链</a></li>' for u in self.extra_links
            )
        more = len(listed) > number * LIST_PAGE_SIZE
        pager = f'<a href="/news/page-{number + 1}.html">下一页</a>' if more else ""
        return (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>新闻列表</title></head>'
            f"<body><ul>{items}</ul>{pager}</body></html>"
        )

    def sitemap_index(self) -> str:
        entries = "".join(
            f"<sitemap><loc>{self.url(p)}</loc></sitemap>"
            for p in ("/sitemaps/articles.xml.gz", "/sitemaps/news.xml")
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{entries}</sitemapindex>"
        )

    def sitemap(self) -> str:
        return urlset(
            f"<url><loc>{self.url(a.path)}</loc><lastmod>{a.modified.isoformat()}</lastmod></url>"
            for a in self.via("sitemap")
        )

    def news_sitemap(self) -> str:
        return urlset(
            (
                f"<url><loc>{self.url(a.path)}</loc><news:news><news:publication>"
                "<news:name>测试新闻网</news:name><news:language>zh</news:language>"
                f"</news:publication><news:publication_date>{a.published.isoformat()}"
                f"</news:publication_date><news:title>新闻{a.slug}</news:title></news:news></url>"
                for a in self.via("news-sitemap")
            ),
            ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"',
        )

    def rss(self) -> str:
        items = "".join(
            f"<item><title>新闻{a.slug}</title><link>{self.url(a.path)}</link>"
            f"<pubDate>{a.published.strftime('%a, %d %b %Y %H:%M:%S %z')}</pubDate></item>"
            for a in self.via("rss")
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>测试新闻网</title><link>{self.url('/')}</link>{items}</channel></rss>"
        )

    def atom(self) -> str:
        entries = "".join(
            f'<entry><title>新闻{a.slug}</title><link rel="alternate" href="{a.path}"/>'
            f"<id>{self.url(a.path)}</id><updated>{a.modified.isoformat()}</updated></entry>"
            for a in self.via("atom")
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{self.url("/")}">'
            f"<title>测试新闻网</title><updated>{datetime.now(timezone.utc).isoformat()}</updated>"
            f"{entries}</feed>"
        )


@functools.cache
def gzip_bomb() -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    return b"".join(compressor.compress(zeros) for _ in range(1024)) + compressor.flush()


def urlset(entries: Iterable[str], namespaces: str = "") -> str:
    """A sitemap of these ``<url>`` entries."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{namespaces}>'
        f"{''.join(entries)}</urlset>"
    )
