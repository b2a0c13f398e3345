"""Article links from RSS 2.0, RSS 1.0 (RDF) and Atom feeds: pure functions over the feed's bytes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree

_PARSER = etree.XMLParser(
    recover=True, resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False
)


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed."""

    url: str
    """The entry's link, absolute."""

    updated: datetime | None
    """When the entry was last modified, if the feed says (Atom ``<updated>``); an RSS
    ``<pubDate>`` is a publication time, not a modification time, so it is not used."""


_FEED_ROOTS = {"rss", "feed", "RDF"}


def read_feed(body: bytes, base_url: str) -> list[FeedEntry] | None:
    """The entries of an RSS or Atom feed, in feed order ([] for an empty feed); None when
    the body is not a feed at all."""
    try:
        root = etree.fromstring(body, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None or etree.QName(root).localname not in _FEED_ROOTS:
        return None
    entries = []
    for element in root.iter("{*}item", "{*}entry"):
        url = _entry_link(element)
        if url:
            entries.append(FeedEntry(urljoin(base_url, url), _updated(element)))
    return entries


def _entry_link(entry: etree._Element) -> str | None:
    """RSS ``<link>text</link>`` (or a permalink ``<guid>``); Atom's alternate ``<link href>``."""
    for link in entry.iterfind("{*}link"):
        href = link.get("href")
        if href is not None:
            if link.get("rel", "alternate") == "alternate":
                return href.strip()
        elif link.text and link.text.strip():
            return link.text.strip()
    guid = entry.find("{*}guid")
    if guid is not None and guid.text and guid.get("isPermaLink", "true") == "true":
        text = guid.text.strip()
        return text if text.startswith(("http://", "https://")) else None
    return None


def _updated(entry: etree._Element) -> datetime | None:
    updated = entry.find("{http://www.w3.org/2005/Atom}updated")
    return parse_w3c_datetime(updated.text) if updated is not None and updated.text else None


def parse_w3c_datetime(text: str) -> datetime | None:
    """A W3C datetime (sitemap ``<lastmod>``, Atom ``<updated>``, ``WARC-Date``):
    ``2024-02-14``, ``2024-02-14T05:21:00+08:00``, ``...Z``; None when it is not one.
    (Python 3.10's ``fromisoformat`` does not read the ``Z``.)"""
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
