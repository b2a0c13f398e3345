"""Site files: loading, checking, and where their settings stand between project and -s."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.crawler import CrawlerRunner
from scrapy.settings import Settings

from snapshot_crawler import settings as project_settings
from snapshot_crawler.sites import SiteError, available_sites, load_site
from snapshot_crawler.spiders.news import SKIP, NewsSpider
from tests.conftest import DEMO_SITE


def spider_settings(cmdline: dict[str, object], **spider_args: str) -> tuple[NewsSpider, Settings]:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.setdict(cmdline, priority="cmdline")
    crawler = CrawlerRunner(settings).create_crawler(NewsSpider)
    return NewsSpider.from_crawler(crawler, **spider_args), crawler.settings


def test_demo_site_file() -> None:
    assert "demo" in available_sites()
    site = load_site("demo")
    assert site.start_urls == [(DEMO_SITE / "index.html").resolve().as_uri()]
    assert site.timezone == "Asia/Shanghai"


def test_site_settings_override_project_but_not_command_line() -> None:
    _, settings = spider_settings({}, site="demo")
    assert settings.getfloat("DOWNLOAD_DELAY") == 0 and not settings.getbool("AUTOTHROTTLE_ENABLED")
    _, settings = spider_settings({"DOWNLOAD_DELAY": 2.5}, site="demo")
    assert settings.getfloat("DOWNLOAD_DELAY") == 2.5


def test_start_urls_mode_keeps_polite_defaults_and_stays_on_its_hosts() -> None:
    spider, settings = spider_settings(
        {}, start_urls="https://news.example/,https://b.example/list/"
    )
    assert settings.getfloat("DOWNLOAD_DELAY") == 1.0 and settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert spider.allowed_domains == ["news.example", "b.example"]
    assert spider.link_kind("https://news.example/2024/02/14/a.html") != SKIP
    assert spider.link_kind("https://www.b.example/2024/a.html") != SKIP  # subdomains count
    assert spider.link_kind("https://elsewhere.example/2024/a.html") == SKIP
    assert spider.link_kind("mailto:editor@news.example") == SKIP
    assert spider.page_kind("https://news.example/list/page-2.html") == "list"
    assert spider.page_kind("https://news.example/2024/02/14/a.html") is None  # judged by its text


def test_demo_site_patterns_classify_pages() -> None:
    spider, _ = spider_settings({}, site="demo")
    root = (DEMO_SITE).resolve().as_uri()
    assert (
        spider.page_kind(f"{root}/articles/guonei/20240214-chengshi-gengxin-wendu.html")
        == "article"
    )
    assert spider.page_kind(f"{root}/list/keji/page-2.html") == "list"
    assert spider.link_kind(f"{root}/about.html") == SKIP
    assert spider.link_kind("file:///etc/passwd") == SKIP


def test_spider_needs_a_site_or_start_urls() -> None:
    with pytest.raises(ValueError):
        NewsSpider()
    with pytest.raises(ValueError):
        NewsSpider(site="demo", start_urls="https://news.example/")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('start_urls = ["https://a.example/"]\nstart_url = 1\n', "unknown keys"),
        ("display_name = 'x'\n", "give start_urls, sitemaps or feeds"),
        ('feeds = ["https://a.example/rss"]\nlist_depth = -1\n', "list_depth must be"),
        ('start_urls = ["https://a.example/"]\narticle_urls = ["("]\n', "bad pattern"),
        ('start_urls = ["https://a.example/"]\n[selectors]\nheadline = "h1"\n', "no such field"),
        ("start_urls = [", "bad.toml: Invalid value"),
    ],
)
def test_bad_site_files_are_refused(
    text: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("snapshot_crawler.sites.SITES_DIR", tmp_path)
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    with pytest.raises(SiteError, match=message):
        load_site("bad")
    with pytest.raises(SiteError, match="no site file"):
        load_site("missing")


def test_discovery_keys_and_a_site_file_given_by_path(tmp_path: Path) -> None:
    path = tmp_path / "wire.toml"
    path.write_text(
        'sitemaps = ["https://wire.example/robots.txt"]\n'
        'feeds = ["https://feeds.wire.example/atom.xml"]\n'
        "list_depth = 0\nenabled = false\n",
        encoding="utf-8",
    )
    site = load_site(str(path))
    assert (site.name, site.start_urls, site.list_depth, site.enabled) == ("wire", [], 0, False)
    assert site.sitemaps == ["https://wire.example/robots.txt"]
    spider = NewsSpider(site=str(path))
    # the hosts of sitemaps and feeds are in the site too
    assert spider.in_site("https://feeds.wire.example/2024/a.html")
    assert not spider.in_site("https://elsewhere.example/a.html")
