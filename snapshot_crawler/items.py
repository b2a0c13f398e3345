"""The snapshot item: one archived capture of one article page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict


class RelatedLink(TypedDict):
    """A link the page lists as a related article."""

    title: str
    url: str


@dataclass
class Snapshot:
    """One article page as it was at ``snapshot_time``; an archive line is one of these."""

    url: str
    """The article's original URL (信息原文地址), exactly as it was requested."""

    final_url: str | None = None
    """The URL the page was finally served from, when a redirect changed it; else null."""

    canonical_url: str | None = None
    """The page's own canonical URL (``<link rel=canonical>`` or ``og:url``), when it has one."""

    title: str | None = None
    """The headline, without the site-name suffix of the HTML title."""

    category: str | None = None
    """The site's section for the article (类别, e.g. 国内); null when unknown."""

    publish_time: str | None = None
    """When the article was published, ISO 8601 with UTC offset (2024-02-14T05:21:00+08:00)."""

    publish_time_raw: str | None = None
    """The publish time as the page wrote it, before parsing."""

    source: str | None = None
    """The outlet the page names as its source (来源), else the site's own name."""

    reposted_from: str | None = None
    """The outlet of a 本文转自 / 转载自 / 转自 line; null when the page names none."""

    authors: list[str] = field(default_factory=list)
    """Author names (作者, 记者, byline); editors are never listed."""

    content: str | None = None
    """The article text, normalized, one paragraph per line, without page chrome."""

    language: str | None = None
    """BCP 47 language code of the content (zh, en, ...); null when unknown."""

    related: list[RelatedLink] = field(default_factory=list)
    """Articles the page lists as related (相关新闻, 更多...), as ``{title, url}``."""

    snapshot_time: str | None = None
    """When the page was fetched, ISO 8601 with UTC offset (快照生成时间)."""

    version: int = 1
    """Which snapshot of this URL this is: 1, then one more each time its content changed."""

    previous_snapshot_time: str | None = None
    """The snapshot time of the version before this one; null for version 1."""

    duplicate_of: str | None = None
    """The URL of the first snapshot of the same story, when this one copies it (a repost,
    the same text elsewhere); null for an original."""

    similarity: float | None = None
    """How close the copy is to ``duplicate_of``: 1.0 for the same text, else the estimated
    Jaccard similarity of their shingles; null for an original."""

    warc_file: str | None = None
    """The WARC file holding the raw capture (relative to ``SNAPSHOT_WARC_DIR``); null when
    none was written (a replay, WARC capture off)."""

    warc_record_id: str | None = None
    """The ``WARC-Record-ID`` of the capture's response (or revisit) record in ``warc_file``."""

    site: str | None = None
    """The name of the site file the page was crawled with, else the page's host."""

    content_hash: str | None = None
    """SHA-256 hex digest of the normalized content; set by the normalize pipeline."""
