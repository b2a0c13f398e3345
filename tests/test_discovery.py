"""Discovery parts that need no crawl: feeds read, and which known articles are due again."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from scrapy import Request

from snapshot_crawler.extract.feeds import FeedEntry, read_feed
from snapshot_crawler.middlewares.incremental import IncrementalMiddleware
from snapshot_crawler.spiders.news import NewsSpider
from snapshot_crawler.state import MemoryStore
from tests.pipeline_helpers import make_crawler

UTC = timezone.utc


def test_rss_atom_and_rdf_feeds() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
      <item><title>a</title><link> https://news.example/a.html </link>
        <pubDate>Wed, 14 Feb 2024 05:21:00 +0800</pubDate></item>
      <item><title>b</title><guid isPermaLink="true">https://news.example/b.html</guid></item>
      <item><title>c</title><guid isPermaLink="false">tag:news.example,2024:c</guid></item>
    </channel></rss>"""
    # a publication date is not a modification time: RSS entries carry none
    assert read_feed(rss, "https://news.example/rss") == [
        FeedEntry("https://news.example/a.html", None),
        FeedEntry("https://news.example/b.html", None),
    ]
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
      <entry><link rel="edit" href="/edit/1"/><link href="/2024/a.html"/>
        <updated>2024-02-14T05:21:00+08:00</updated></entry>
      <entry><link rel="alternate" type="text/html" href="https://news.example/b.html"/>
        <updated>not a date</updated></entry>
    </feed>"""
    assert read_feed(atom, "https://news.example/feed.atom") == [
        FeedEntry(
            "https://news.example/2024/a.html",
            datetime(2024, 2, 14, 5, 21, tzinfo=timezone(timedelta(hours=8))),
        ),
        FeedEntry("https://news.example/b.html", None),
    ]
    rdf = b"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
      xmlns="http://purl.org/rss/1.0/"><item rdf:about="https://news.example/c.html">
      <link>https://news.example/c.html</link></item></rdf:RDF>"""
    assert read_feed(rdf, "https://news.example/") == [
        FeedEntry("https://news.example/c.html", None)
    ]


def test_an_empty_feed_is_a_feed_and_a_page_is_not() -> None:
    assert read_feed(b'<rss version="2.0"><channel></channel></rss>', "https://x.example/") == []
    assert read_feed(b"<html><body><a href='/a'>a</a></body></html>", "https://x.example/") is None
    assert read_feed(b"", "https://x.example/") is None


def middleware(store: MemoryStore, days: float = 2) -> IncrementalMiddleware:
    crawler = make_crawler()
    assert crawler.stats is not None
    return IncrementalMiddleware(store, timedelta(days=days), crawler.stats)


def test_which_known_articles_are_requested_again() -> None:
    store = MemoryStore()
    now = datetime.now(UTC).replace(microsecond=0)
    fetched = (now - timedelta(hours=1)).isoformat()
    old, young = "https://news.example/old.html", "https://news.example/young.html"
    old_in_sitemap, young_in_sitemap = old + "?in=sitemap", young + "?in=sitemap"
    for url in (old, old_in_sitemap):
        store.record_snapshot(url, "h", fetched, (now - timedelta(days=30)).isoformat())
    for url in (young, young_in_sitemap):
        store.record_snapshot(url, "h", fetched, (now - timedelta(hours=5)).isoformat())
    mw = middleware(store)

    def wanted(url: str, **meta: object) -> bool:
        return mw.wanted(Request(url, meta=dict(meta)))

    assert wanted("https://news.example/new.html")  # unknown
    assert not wanted(old + "?utm_source=rss#top")  # known, by its canonical URL
    assert wanted(young)  # inside the re-check window
    assert wanted(old, snapshot_kind="list")  # lists, feeds, sitemaps: always
    assert wanted(old, snapshot_incremental=False)  # a request's own opt-out
    # a sitemap's <lastmod> overrides the window either way
    assert wanted(old_in_sitemap, snapshot_lastmod=now.isoformat())
    before_fetch = (now - timedelta(hours=2)).isoformat()
    assert not wanted(young_in_sitemap, snapshot_lastmod=before_fetch)
    assert not wanted(old)  # asked again (linked from another page): counted once
    assert mw.stats.get_value("snapshot/incremental/skipped") == 2
    assert mw.stats.get_value("snapshot/incremental/rechecked") == 1
    assert mw.stats.get_value("snapshot/incremental/modified") == 1


def test_without_a_publish_time_the_window_counts_from_the_first_snapshot() -> None:
    store = MemoryStore()
    first = datetime.now(UTC) - timedelta(days=1)
    store.record_snapshot("https://news.example/a.html", "h", first.isoformat(), None)
    assert middleware(store, days=2).wanted(Request("https://news.example/a.html"))
    assert not middleware(store, days=0.5).wanted(Request("https://news.example/a.html"))


def test_a_link_is_made_a_request_once_and_a_list_too_deep_from_one_page_waits_for_another(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site.toml"
    site.write_text(
        'start_urls = ["https://a.example/"]\nlist_depth = 1\n'
        "article_urls = ['/story/']\nlist_urls = ['/list/']\n"
    )
    spider = NewsSpider(site=str(site))
    story, other, page_2 = (
        "https://a.example/story/1.html",
        "https://a.example/story/2.html",
        "https://a.example/list/2.html",
    )
    assert [r.url for r in spider.follow([story, page_2, story], list_depth=1)] == [story]
    assert [r.url for r in spider.follow([story, other, page_2], list_depth=0)] == [other, page_2]
    assert list(spider.follow([page_2, other], list_depth=0)) == []
