"""Stage 3: snapshot versions and reposts.

Against its own URL, a page whose content has not changed since its last archived snapshot is
dropped, and a changed one becomes the next version. Against every other URL of every site, a
copy of an archived story (the same text, or nearly: a repost with a sentence or two edited,
another template) is marked with ``duplicate_of`` or dropped, as ``SNAPSHOT_DUPLICATES`` says.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector

from snapshot_crawler.extensions.crawl_state import CrawlState
from snapshot_crawler.extract.fingerprint import signature, similarity
from snapshot_crawler.signals import snapshot_archived
from snapshot_crawler.state import CrawlStore, DuplicateIndex, MemoryDuplicateIndex, Original
from snapshot_crawler.urls import url_key

logger = logging.getLogger(__name__)
POLICIES = ("mark", "drop", "off")


@dataclass(frozen=True)
class Match:
    """The archived original a snapshot copies."""

    original: Original
    similarity: float
    """1.0 for the same text; else the estimated Jaccard similarity of their shingles."""


def find_original(
    index: DuplicateIndex,
    own_url_key: str,
    content_hash: str,
    sig: tuple[int, ...] | None,
    threshold: float,
) -> Match | None:
    """The oldest original (of another URL) with the same text, else the most similar one at
    ``threshold`` or above; None when the text is new."""
    for original in index.exact(content_hash):
        if url_key(original.url) != own_url_key:
            return Match(original, 1.0)
    if sig is None:  # a short text: exact matches only
        return None
    best: Match | None = None
    for original, other in index.candidates(sig):
        score = similarity(sig, other)
        better = best is None or score > best.similarity
        if score >= threshold and better and url_key(original.url) != own_url_key:
            best = Match(original, score)
    return best


class DedupPipeline:
    """Versions by URL, and reposts across URLs and sites.

    The URL (canonicalized) is looked up in the site's crawl state: the same content hash is
    dropped as unchanged (in this run or, through ``SNAPSHOT_STATE_DIR``, any earlier one);
    different content gets ``version`` = previous + 1 and the previous snapshot's time. Then
    the text is looked up among the originals of all sites (exact hash, then MinHash bands):
    a copy gets ``duplicate_of`` (the original's URL) and ``similarity`` (policy ``mark``), or
    is dropped (``drop``). Only originals are indexed, so every copy points to the first
    snapshot of its story, and that first snapshot is never changed.

    An item counts as archived once its line is in the archive (``snapshot_archived``; without
    an archive, once it passed every stage), so a snapshot that a stage dropped before is
    fetched and offered again next run. Off with ``SNAPSHOT_DEDUP_ENABLED=False``; reposts are
    not looked for with ``SNAPSHOT_DUPLICATES=off``.
    """

    def __init__(
        self, state: CrawlState, policy: str, threshold: float, stats: StatsCollector
    ) -> None:
        self.state = state
        self.store: CrawlStore = state.store
        self.index: DuplicateIndex = state.duplicates
        self.policy = policy
        self.threshold = threshold
        self.stats = stats
        self._in_flight = MemoryDuplicateIndex()
        """Originals that passed this stage but have not reached the archive yet, with their
        signatures: items move through the stages concurrently, and a copy right behind its
        original must find it."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        settings = crawler.settings
        if not settings.getbool("SNAPSHOT_DEDUP_ENABLED"):
            raise NotConfigured("SNAPSHOT_DEDUP_ENABLED is off")
        policy = settings.get("SNAPSHOT_DUPLICATES")
        if policy not in POLICIES:
            raise ValueError(f"SNAPSHOT_DUPLICATES must be one of {POLICIES}, not {policy!r}")
        state = CrawlState.of(crawler)
        assert crawler.stats is not None
        threshold = settings.getfloat("SNAPSHOT_NEAR_DUPLICATE_SIMILARITY")
        pipeline = cls(state, policy, threshold, crawler.stats)
        # recorded as soon as the line is in the archive; without an archive, once every
        # stage let the item through
        archived = (
            snapshot_archived
            if settings.getbool("SNAPSHOT_ARCHIVE_ENABLED")
            else signals.item_scraped
        )
        crawler.signals.connect(pipeline.item_archived, signal=archived)
        crawler.signals.connect(pipeline.item_left, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.item_left, signal=signals.item_error)
        return pipeline

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        adapter = ItemAdapter(item)
        key = url_key(adapter["url"])
        previous = self.store.article(key)
        if previous is not None and previous.content_hash == adapter["content_hash"]:
            self.store.record_fetch(key, adapter["snapshot_time"])
            self.stats.inc_value("snapshot/dedup/unchanged")
            raise DropItem(
                f"unchanged since its snapshot of {previous.snapshot_time}", log_level="INFO"
            )
        adapter["version"] = previous.version + 1 if previous else 1
        if previous is not None:
            adapter["previous_snapshot_time"] = previous.snapshot_time
            self.stats.inc_value("snapshot/dedup/new_version")
        if self.policy != "off":
            self.mark_copy(adapter, key)
        return item

    def mark_copy(self, adapter: ItemAdapter, key: str) -> None:
        """Mark (or drop) the item when its text copies an archived original."""
        content_hash = adapter["content_hash"]
        sig = signature(adapter["content"], content_hash)  # the spider's worker signed it
        match = find_original(self.index, key, content_hash, sig, self.threshold) or find_original(
            self._in_flight, key, content_hash, sig, self.threshold
        )
        if match is None:
            original = Original(adapter["url"], adapter["site"] or "", adapter["snapshot_time"])
            self._in_flight.add(original, content_hash, sig)
            return
        kind = "exact" if match.similarity == 1.0 else "near"
        self.stats.inc_value(f"snapshot/duplicates/{kind}")
        if self.policy == "drop":
            self.stats.inc_value("snapshot/duplicates/dropped")
            raise DropItem(
                f"{kind} duplicate ({match.similarity:.2f}) of {match.original.url}",
                log_level="INFO",
            )
        adapter["duplicate_of"] = match.original.url
        adapter["similarity"] = round(match.similarity, 3)

    def item_archived(self, item: Any) -> None:
        adapter = ItemAdapter(item)
        # an original leaves the in-flight index with the signature computed for it above
        sig = self._in_flight.remove(adapter["url"])
        self.state.record_archived(adapter, sig, as_original=self.policy != "off")
        self.stats.inc_value("snapshot/dedup/recorded")

    def item_left(self, item: Any) -> None:
        """A later stage dropped the item, or failed: it is no original after all."""
        self._in_flight.remove(ItemAdapter(item)["url"])
