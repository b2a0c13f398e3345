"""scrapy-redis' scheduler, keyed by site, with the project's request fingerprints and a queue
whose requests are leased, not popped.

A popped request would be gone from Redis while a worker fetches it: a worker killed then
would lose it (its URL already in the seen set, nobody would request it again). Instead ``pop``
moves the request, in one server-side step, into the worker's lease hash
(``snapshot:<site>:leases:<worker>``); the worker releases it once the response and its items
are through, and the requests of a worker that stopped answering go back to the queue
(``workers.Workers``).
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from snapshot_crawler.extensions.crawl_state import CrawlState, state_name
from snapshot_crawler.state.redis import connect, site_key

from .workers import Workers

_FINGERPRINT_HEX = 40
"""A queue entry starts with its request's fingerprint (hex), so the server can file leases."""

# Queues a request unless its fingerprint is in the seen set (ARGV[3] = "1": dont_filter), and
# counts an article request found, in one step: a worker killed in between cannot leave a
# request marked seen that is in no queue.
_PUSH = """
if ARGV[4] == '1' then redis.call('INCR', KEYS[3]) end
if ARGV[3] == '1' or redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
    redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1] .. ARGV[5])
    return 1
end
return 0
"""

# Moves the first request of the queue to the lease hash, under its fingerprint, with its score.
_LEASE = """
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #first == 0 then return false end
redis.call('ZREM', KEYS[1], first[1])
redis.call('HSET', KEYS[2], string.sub(first[1], 1, ARGV[1]), first[2] .. ' ' .. first[1])
return first[1]
"""

# Puts every request of a lease hash back into the queue, and deletes the hash.
_REQUEUE = """
local leases = redis.call('HVALS', KEYS[2])
for _, lease in ipairs(leases) do
    local space = string.find(lease, ' ', 1, true)
    redis.call('ZADD', KEYS[1], string.sub(lease, 1, space - 1), string.sub(lease, space + 1))
end
redis.call('DEL', KEYS[2])
return #leases
"""


def _literal(key: str) -> str:
    """A key that scrapy-redis' ``key % {"spider": name}`` leaves as it is."""
    return key.replace("%", "%%")


class LeasedQueue(PriorityQueue):
    """scrapy-redis' priority queue (a sorted set), whose ``pop`` leases."""

    def __init__(self, server: Any, spider: Spider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        crawler = spider.crawler
        self.fingerprint = crawler.request_fingerprinter.fingerprint
        self.worker = CrawlState.of(crawler).worker or "-"
        self.site = state_name(spider)
        self._push = server.register_script(_PUSH)
        self._lease = server.register_script(_LEASE)
        self._requeue = server.register_script(_REQUEUE)

    def leases_key(self, worker: str) -> str:
        return site_key(self.site, f"leases:{worker}")

    def push(self, request: Request) -> bool:
        """Queue the request, unless another like it was seen this crawl; whether it was."""
        added: int = self._push(
            keys=[self.key, site_key(self.site, "seen"), site_key(self.site, "articles_found")],
            args=[
                self.fingerprint(request).hex(),
                -request.priority,
                int(request.dont_filter),
                int(request.meta.get("snapshot_kind") == "article"),
                self._encode_request(request),
            ],
        )
        return bool(added)

    def pop(self, timeout: int = 0) -> Request | None:
        entry = self._lease(keys=[self.key, self.leases_key(self.worker)], args=[_FINGERPRINT_HEX])
        return self._decode_request(entry[_FINGERPRINT_HEX:]) if entry else None

    def release(self, fingerprint: bytes) -> None:
        """The request is done: its response and everything it gave are through."""
        self.server.hdel(self.leases_key(self.worker), fingerprint.hex())

    def release_all(self) -> None:
        """Every request this worker took is done."""
        self.server.delete(self.leases_key(self.worker))

    def requeue(self, worker: str) -> int:
        """Put the requests a worker holds back into the queue; returns how many."""
        count: int = self._requeue(keys=[self.key, self.leases_key(worker)])
        return count

    def leased(self, worker: str) -> int:
        """How many requests a worker holds."""
        count: int = self.server.hlen(self.leases_key(worker))
        return count


class SeenFilter(RFPDupeFilter):
    """scrapy-redis' seen-request set, of one site (``snapshot:<site>:seen``); the queue's
    ``push`` tests and fills it, with the crawler's request fingerprints."""

    @classmethod
    def from_spider(cls, spider: Spider) -> SeenFilter:
        url = spider.settings["SNAPSHOT_STATE_URL"]
        return cls(connect(url), site_key(state_name(spider), "seen"))


class SharedScheduler(Scheduler):
    """scrapy-redis' scheduler, its queue and seen set named after the site
    (``snapshot:<site>:requests``, ``snapshot:<site>:seen``), not the spider; the article
    requests all workers found this crawl are counted in ``snapshot:<site>:articles_found``."""

    queue: LeasedQueue

    def enqueue_request(self, request: Request) -> bool:
        # scrapy-redis' own tests the seen set and queues in two steps, and passes the spider
        # to the stats collector, which Scrapy deprecated
        if request.meta.get("snapshot_kind") == "article":
            # found by this worker, fetched by whichever takes it: the run report counts it
            self.stats.inc_value("snapshot/scaleout/articles_scheduled")
        added = self.queue.push(request)
        if self.workers is not None:
            self.workers.request_enqueued(request)
        if not added:
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        request = self.queue.pop()
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def open(self, spider: Spider) -> None:
        self.queue_key = _literal(site_key(state_name(spider), "requests"))
        super().open(spider)
        self.workers = Workers.of(spider.crawler)
        if self.workers is not None:
            self.workers.attach(self.queue)
