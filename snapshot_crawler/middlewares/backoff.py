"""A site that asks us to slow down (429, 503, other 5xx) is given time before the retry."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


def retry_after(value: bytes | None, now: datetime) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delay-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        return max(0.0, (parsedate_to_datetime(text) - now).total_seconds())
    except (TypeError, ValueError):
        return None


class BackoffMiddleware:
    """On a 429 or 5xx response, delays the next downloads from that site (Scrapy's download
    slot): by the response's ``Retry-After``, else exponentially with each retry of the request
    (``SNAPSHOT_BACKOFF_BASE`` × 2^retries), at most ``SNAPSHOT_BACKOFF_MAX`` seconds. Scrapy's
    RetryMiddleware then retries the request, which waits its turn; the site's own delay comes
    back with its first good response after the wait. Off with ``SNAPSHOT_BACKOFF_ENABLED=False``.
    """

    def __init__(self, crawler: Crawler, base: float, cap: float, stats: StatsCollector) -> None:
        self.crawler = crawler
        self.base = base
        self.cap = cap
        self.stats = stats
        self._raised: dict[str, tuple[float, float]] = {}
        """Per slot this middleware slowed down: its own delay, and when the wait is over."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffMiddleware:
        settings = crawler.settings
        if not settings.getbool("SNAPSHOT_BACKOFF_ENABLED"):
            raise NotConfigured("SNAPSHOT_BACKOFF_ENABLED is off")
        assert crawler.stats is not None
        return cls(
            crawler,
            settings.getfloat("SNAPSHOT_BACKOFF_BASE"),
            settings.getfloat("SNAPSHOT_BACKOFF_MAX"),
            crawler.stats,
        )

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        assert self.crawler.engine is not None
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is None:
            return response
        if response.status == 429 or response.status >= 500:
            asked = retry_after(response.headers.get(b"Retry-After"), datetime.now(timezone.utc))
            backoff = self.base * 2 ** request.meta.get("retry_times", 0)
            wait = min(asked if asked is not None else backoff, self.cap)
            # Scrapy jitters a slot's delay (±50% by default): raise it so that even the
            # shortest jittered delay is the wait asked for
            delay = wait / (1 - min(slot_jitter(slot), 0.9))
            if delay > slot.delay:
                normal = self._raised.get(key, (slot.delay, 0.0))[0]
                self._raised[key] = (normal, time.monotonic() + wait)
                slot.delay = delay
                self.stats.inc_value("snapshot/backoff/delayed")
                logger.info(
                    "%s answered %d: its next request waits at least %.1f s",
                    key,
                    response.status,
                    wait,
                )
        elif key in self._raised and response.status < 400:
            # a good answer once the wait is over: the site has recovered
            normal, until = self._raised[key]
            if time.monotonic() >= until:
                slot.delay = normal
                del self._raised[key]
        return response


def slot_jitter(slot: Any) -> float:
    """The share by which Scrapy varies the slot's delay either way (``jitter``; in older
    Scrapy, ``randomize_delay`` meant 0.5)."""
    if hasattr(slot, "jitter"):
        return float(slot.jitter)
    return 0.5 if getattr(slot, "randomize_delay", False) else 0.0
