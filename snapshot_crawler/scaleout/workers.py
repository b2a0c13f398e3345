"""The workers of a crawl shared through Redis: who is alive, what each holds, when all stop.

Every worker beats a heart (its deadline in ``snapshot:<site>:workers``) and, with each beat,
puts the leased requests of workers whose deadline passed (killed, or their machine gone) back
into the queue. A worker releases a lease once every item the response gave is through the
pipelines and every request it gave is in the queue (Scrapy handles a callback's output after
the callback has given it, so its end is not enough); when it is idle, nothing it took is
still in progress, so it releases all. It stops once the shared queue has been empty, and no
worker has held a request, for ``SNAPSHOT_REDIS_IDLE_CLOSE`` seconds; so cron-started workers
end on their own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.asyncio import create_looping_call

from snapshot_crawler import project_path
from snapshot_crawler.extensions.crawl_state import CrawlState
from snapshot_crawler.pipelines.archive import ArchiveWriter, recover_unrecorded
from snapshot_crawler.state.redis import site_key

if TYPE_CHECKING:
    from .scheduler import LeasedQueue

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.5
"""Seconds between two looks of an idle worker at the shared queue."""


class Workers:
    """Heartbeat, recovery of dead workers' requests, lease release and idle stop."""

    def __init__(self, crawler: Crawler, idle_close: float, timeout: float) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.idle_close = idle_close
        self.timeout = timeout
        self.worker = ""
        self.queue: LeasedQueue | None = None
        self.workers_key = self.seen_key = self.found_key = ""
        self.crawl_articles_found = 0
        """Article requests that all workers of the crawl had found when this one stopped."""
        self.idle_since: float | None = None
        self.pending: dict[bytes, list[int]] = {}
        """Per request whose response is being scraped: [what its callback gave that is not
        through yet (items still in the pipelines, requests not yet queued), callback done (0
        or 1)]; its lease is released when both say so."""
        self.parents: WeakKeyDictionary[Request, bytes] = WeakKeyDictionary()
        """The request whose callback gave each request on its way to the queue."""
        self.heartbeat = create_looping_call(self.beat)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Workers:
        settings = crawler.settings
        if not settings.get("SNAPSHOT_STATE_URL"):
            raise NotConfigured("SNAPSHOT_STATE_URL is not set: one process crawls alone")
        workers = cls(
            crawler,
            settings.getfloat("SNAPSHOT_REDIS_IDLE_CLOSE"),
            settings.getfloat("SNAPSHOT_REDIS_WORKER_TIMEOUT"),
        )
        for handler, signal in (
            (workers.spider_opened, signals.spider_opened),
            (workers.spider_idle, signals.spider_idle),
            (workers.spider_closed, signals.spider_closed),
            (workers.item_done, signals.item_scraped),
            (workers.item_done, signals.item_dropped),
            (workers.item_done, signals.item_error),
        ):
            crawler.signals.connect(handler, signal=signal)
        return workers

    @classmethod
    def of(cls, crawler: Crawler) -> Workers | None:
        return crawler.get_extension(cls)

    def attach(self, queue: LeasedQueue) -> None:
        """Take charge of the shared queue (the scheduler's, once it opened it)."""
        self.queue = queue
        self.worker = queue.worker
        self.workers_key = site_key(queue.site, "workers")
        self.seen_key = site_key(queue.site, "seen")
        self.found_key = site_key(queue.site, "articles_found")

    def spider_opened(self, spider: Spider) -> None:
        if self.queue is None:
            raise NotConfigured("SNAPSHOT_STATE_URL is set, but SCHEDULER is not the shared one")
        engine = self.crawler.engine
        if hasattr(engine, "_SLOT_HEARTBEAT_INTERVAL"):
            # Scrapy asks an idle scheduler for requests every 5 seconds; another worker may
            # have queued some since, so ask more often (no public setting exists for this)
            engine._SLOT_HEARTBEAT_INTERVAL = POLL_INTERVAL
        # this worker's number was free: whoever held it before is gone, with its leases
        recovered = self.queue.requeue(self.worker)
        if recovered:
            self.stats.inc_value("snapshot/scaleout/recovered", recovered)
            logger.warning(
                "Worker %s restarted: %d requests its last run held are back in the queue",
                self.worker,
                recovered,
            )
        self.heartbeat.start(max(0.5, min(5.0, self.timeout / 4)), now=True)

    def beat(self) -> None:
        """Renew this worker's deadline; put the requests of workers past theirs back."""
        try:
            self._beat()
        except redis.RedisError as exc:  # the next beat tries again; the crawl goes on
            logger.error("Worker %s could not reach Redis for its heartbeat: %s", self.worker, exc)

    def _beat(self) -> None:
        assert self.queue is not None
        server = self.queue.server
        seconds, micros = server.time()
        now = seconds + micros / 1e6
        server.zadd(self.workers_key, {self.worker: now + self.timeout})
        for dead in server.zrangebyscore(self.workers_key, "-inf", now):
            name = dead.decode()
            self.recover_lines(name)
            recovered = self.queue.requeue(name)
            server.zrem(self.workers_key, name)
            self.stats.inc_value("snapshot/scaleout/recovered", recovered)
            logger.warning(
                "Worker %s stopped answering: %d requests it held are back in the queue",
                name,
                recovered,
            )

    def recover_lines(self, worker: str) -> None:
        """Record what a dead worker archived but had not recorded yet, when its archive files
        are on this machine, before its requests are fetched again (a worker on another
        machine cannot see them)."""
        settings = self.crawler.settings
        if settings.getbool("SNAPSHOT_ARCHIVE_ENABLED"):
            writer = ArchiveWriter(project_path(settings["SNAPSHOT_ARCHIVE_DIR"]), worker=worker)
            recover_unrecorded(writer, CrawlState.of(self.crawler), self.stats)

    def others_busy(self) -> bool:
        """Whether another live worker holds requests (whose pages may lead to more)."""
        assert self.queue is not None
        names = (n.decode() for n in self.queue.server.zrange(self.workers_key, 0, -1))
        return any(self.queue.leased(name) for name in names if name != self.worker)

    def spider_idle(self, spider: Spider) -> None:
        assert self.queue is not None
        # nothing is being downloaded or scraped here: whatever this worker took is done
        self.queue.release_all()
        self.pending.clear()
        if len(self.queue) or self.others_busy():
            self.idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_close:
            raise DontCloseSpider

    def _key(self, request: Request) -> bytes:
        return self.crawler.request_fingerprinter.fingerprint(request)

    def output_started(self, request: Request, output: Any) -> None:
        """The request's callback gave an item (on its way to the pipelines) or a request (on
        its way to the queue)."""
        key = self._key(request)
        self.pending.setdefault(key, [0, 0])[0] += 1
        if isinstance(output, Request):
            self.parents[output] = key

    def request_enqueued(self, request: Request) -> None:
        """A request reached the shared queue (or was found seen there)."""
        key = self.parents.pop(request, None)
        if key is not None:
            self._one_done(key)

    def item_done(self, response: Response | None = None, **kwargs: Any) -> None:
        """An item left the pipelines (archived, dropped or failed)."""
        if isinstance(response, Response) and response.request is not None:
            self._one_done(self._key(response.request))

    def callback_done(self, request: Request) -> None:
        """The request's callback gave all it had (Scrapy may still be handling some of it)."""
        key = self._key(request)
        self.pending.setdefault(key, [0, 0])[1] = 1
        self._settle(key)

    def _one_done(self, key: bytes) -> None:
        counts = self.pending.get(key)
        if counts is not None:
            counts[0] -= 1
            self._settle(key)

    def _settle(self, key: bytes) -> None:
        in_progress, callback_done = self.pending[key]
        if callback_done and in_progress <= 0:
            del self.pending[key]
            assert self.queue is not None
            self.queue.release(key)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.heartbeat.running:
            self.heartbeat.stop()
        if self.queue is None:
            return
        server = self.queue.server
        if reason == "finished":
            self.queue.release_all()
        else:  # stopped before the end: what it held goes to the others
            self.queue.requeue(self.worker)
        server.zrem(self.workers_key, self.worker)
        self.crawl_articles_found = int(server.get(self.found_key) or 0)
        if reason == "finished" and not server.zcard(self.workers_key) and not len(self.queue):
            # the last worker out of a finished crawl: the next crawl may request it all again
            server.delete(self.seen_key, self.found_key)


class LeaseRelease:
    """Spider middleware, outermost: tells the workers what each response gave, so that its
    lease is released when the last item is through the pipelines and the last request in the
    queue (at once when it gave nothing)."""

    def __init__(self, workers: Workers) -> None:
        self.workers = workers

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseRelease:
        workers = crawler.get_extension(Workers)
        if workers is None:
            raise NotConfigured("no Redis workers")
        return cls(workers)

    def process_spider_output(
        self, response: Response, result: Iterable[Any], spider: Spider | None = None
    ) -> Iterator[Any]:
        request = response.request
        assert request is not None
        for output in result:
            self.workers.output_started(request, output)
            yield output
        self.workers.callback_done(request)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any], spider: Spider | None = None
    ) -> AsyncIterator[Any]:
        request = response.request
        assert request is not None
        async for output in result:
            self.workers.output_started(request, output)
            yield output
        self.workers.callback_done(request)
