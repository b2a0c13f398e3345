"""Scale out: the same spiders in any number of processes, on any number of machines, through
one Redis server (``SNAPSHOT_STATE_URL=redis://host:port/db``).

scrapy-redis shares the request queue and the seen-request set (``scheduler``); the crawl
state and the near-duplicate index move to Redis (``state.redis``); each worker leases the
requests it takes, so that those of a worker that dies go back to the queue (``workers``).
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

SCHEDULER = "snapshot_crawler.scaleout.scheduler.SharedScheduler"


class RedisScaleOut:
    """The add-on behind the one switch: with ``SNAPSHOT_STATE_URL`` set, it puts scrapy-redis'
    scheduler (with the project's queue and seen-request filter) in place of Scrapy's; without
    it, it changes nothing."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("SNAPSHOT_STATE_URL")
        if not url:
            return
        settings.set("SCHEDULER", SCHEDULER, "addon")
        settings.set(
            "SCHEDULER_QUEUE_CLASS", "snapshot_crawler.scaleout.scheduler.LeasedQueue", "addon"
        )
        settings.set("DUPEFILTER_CLASS", "snapshot_crawler.scaleout.scheduler.SeenFilter", "addon")
        settings.set("REDIS_URL", url, "addon")
        # the queue outlives every worker; the last one out of a finished crawl clears the
        # seen-request set instead (``workers.Workers``)
        settings.set("SCHEDULER_PERSIST", True, "addon")
