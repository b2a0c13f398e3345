"""Site files: one declarative TOML file per site, ``snapshot_crawler/sites/<name>.toml``.

Keys (all optional, but at least one of ``start_urls``, ``sitemaps``, ``feeds``)::

    display_name = "演示新闻网"        # the site's own name: the source when a page names none
    enabled = true                     # false: `scrapy crawlall` leaves the site out
    start_urls = ["https://example.com/news/"]   # home and list pages; or paths from the project
                                       # dir, crawled as file://
    sitemaps = ["https://example.com/robots.txt"]   # sitemaps, sitemap indexes, news sitemaps
                                       # (.xml or .xml.gz), or robots.txt for its Sitemap: lines
    feeds = ["https://example.com/rss.xml"]        # RSS or Atom feeds
    list_depth = 3                     # how many list pages deep (pagination) from a start page
    allowed_domains = ["example.com"]  # default: the hosts of the start URLs
    timezone = "Asia/Shanghai"         # for times the pages write without a zone
    article_urls = ['/\\d{8}/', '/content_\\d+']   # regexes: these pages are articles
    list_urls = ['/list/', 'index_\\d+\\.html']    # regexes: these pages are only followed
    ignore_urls = ['/video/']          # regexes: never requested
    [selectors]                        # per-field CSS selectors ("xpath:..." for XPath)
    title = "h1.title"
    [settings]                         # Scrapy/project settings for this site (-s still wins)
    DOWNLOAD_DELAY = 2
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from snapshot_crawler import project_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SITES_DIR = Path(__file__).parent
DEFAULT_LIST_DEPTH = 3
_FIELDS = {
    "display_name",
    "enabled",
    "start_urls",
    "sitemaps",
    "feeds",
    "list_depth",
    "allowed_domains",
    "timezone",
    "article_urls",
    "list_urls",
    "ignore_urls",
    "selectors",
    "settings",
}
_SELECTABLE = {
    "title",
    "category",
    "publish_time",
    "source",
    "reposted_from",
    "authors",
    "content",
    "related",
    "canonical_url",
}


class SiteError(ValueError):
    """A site file that does not exist or does not say what it must."""


@dataclass
class Site:
    """A site as its file declares it."""

    name: str
    start_urls: list[str]
    display_name: str | None = None
    enabled: bool = True
    sitemaps: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    list_depth: int = DEFAULT_LIST_DEPTH
    allowed_domains: list[str] = field(default_factory=list)
    timezone: str | None = None
    article_urls: list[re.Pattern[str]] = field(default_factory=list)
    list_urls: list[re.Pattern[str]] = field(default_factory=list)
    ignore_urls: list[re.Pattern[str]] = field(default_factory=list)
    selectors: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


def available_sites() -> list[str]:
    """The names of all site files."""
    return sorted(p.stem for p in SITES_DIR.glob("*.toml"))


def load_site(name: str) -> Site:
    """Read and check ``sites/<name>.toml``, or a site file elsewhere given by its path
    (``path/to/name.toml``, relative to the project directory; the site is named ``name``)."""
    if name.endswith(".toml"):
        path = project_path(name)
        name = path.stem
    elif re.fullmatch(r"[\w-]+", name):
        path = SITES_DIR / f"{name}.toml"
    else:
        raise SiteError(f"bad site name {name!r}")
    if not path.is_file():
        raise SiteError(f"no site file {path}; known sites: {', '.join(available_sites())}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SiteError(f"{path}: {exc}") from exc
    unknown = set(data) - _FIELDS
    if unknown:
        raise SiteError(f"{path}: unknown keys {sorted(unknown)}")
    bad_selectors = set(data.get("selectors", {})) - _SELECTABLE
    if bad_selectors:
        raise SiteError(f"{path}: no such field for selectors: {sorted(bad_selectors)}")
    if not any(data.get(k) for k in ("start_urls", "sitemaps", "feeds")):
        raise SiteError(f"{path}: give start_urls, sitemaps or feeds")
    list_depth = data.get("list_depth", DEFAULT_LIST_DEPTH)
    if not isinstance(list_depth, int) or list_depth < 0:
        raise SiteError(f"{path}: list_depth must be a whole number >= 0")
    try:
        patterns = {
            k: [re.compile(p) for p in data.get(k, [])]
            for k in ("article_urls", "list_urls", "ignore_urls")
        }
    except re.error as exc:
        raise SiteError(f"{path}: bad pattern: {exc}") from exc
    return Site(
        name=name,
        start_urls=[start_url(u) for u in data.get("start_urls", [])],
        display_name=data.get("display_name"),
        enabled=bool(data.get("enabled", True)),
        sitemaps=[start_url(u) for u in data.get("sitemaps", [])],
        feeds=[start_url(u) for u in data.get("feeds", [])],
        list_depth=list_depth,
        allowed_domains=list(data.get("allowed_domains", [])),
        timezone=data.get("timezone"),
        selectors=dict(data.get("selectors", {})),
        settings=dict(data.get("settings", {})),
        **patterns,
    )


def start_url(value: str) -> str:
    """A URL as given, or a local path (from the project directory) as a file:// URL."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.I):
        return value
    return project_path(value).resolve().as_uri()
