"""The crawl frontier of a single-process crawl: the requests found but not yet sent, at a
memory cost that does not grow with the site.

A site's article pages link each other (related stories, "more from this section"), so a crawl
finds articles much faster than it fetches them: on the synthetic site (five related links a
page) the requests waiting in the scheduler peak at about half of all the site's articles,
whatever their order. Scrapy's default scheduler holds each as a Request object, about 3 KiB
with its headers, meta, callbacks, cached URL parse and fingerprint: 80 MiB at 50,000 articles,
most of a crawl's growth. Here they wait on disk instead, pickled in Scrapy's own disk queues
(as with ``JOBDIR``, by priority and download slot), in a folder of this run only, removed when
the crawl closes (or, after a crawl killed outright, by the next one to start); a request that
cannot be pickled waits in memory as before. With ``JOBDIR`` set, Scrapy's persistent queue is
used as it is (the crawl can be paused and resumed).

In Redis mode (``SNAPSHOT_STATE_URL``) the queue and the seen set are in Redis
(``scaleout``), and this module is not used.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from snapshot_crawler import project_path


class LocalFrontier:
    """The add-on that puts the disk-backed scheduler in place of Scrapy's, unless Redis holds
    the frontier (``SNAPSHOT_STATE_URL``) or the settings name another scheduler."""

    def update_settings(self, settings: BaseSettings) -> None:
        if settings.get("SNAPSHOT_STATE_URL"):
            return
        if settings.getpriority("SCHEDULER") == 0:  # Scrapy's default: nobody chose
            settings.set("SCHEDULER", "snapshot_crawler.frontier.DiskQueueScheduler", "addon")


class DiskQueueScheduler(Scheduler):
    """Scrapy's scheduler, its requests waiting on disk in a folder of this run only (under
    ``SNAPSHOT_QUEUE_DIR``, else the system's temporary folder) unless ``JOBDIR`` is set."""

    run_dir: Path | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DiskQueueScheduler:
        scheduler = super().from_crawler(crawler)
        settings = crawler.settings
        if scheduler.dqdir is None and settings.getbool("SNAPSHOT_QUEUE_ON_DISK"):
            setting = settings.get("SNAPSHOT_QUEUE_DIR")
            parent = project_path(setting) if setting else Path(tempfile.gettempdir())
            parent.mkdir(parents=True, exist_ok=True)
            remove_orphans(parent)
            scheduler.run_dir = Path(
                tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=parent)
            )
            # where Scrapy keeps its disk queues under a JOBDIR; the folder is this run's own
            scheduler.dqdir = str(scheduler.run_dir)
        return scheduler

    def close(self, reason: str) -> Any:
        try:
            return super().close(reason)
        finally:
            if self.run_dir is not None:
                shutil.rmtree(self.run_dir, ignore_errors=True)


_PREFIX = "snapshot-queue-"


def remove_orphans(parent: Path) -> None:
    """Remove the queue folders of crawls that were killed (their process is gone)."""
    for folder in parent.glob(f"{_PREFIX}*-*"):
        pid = folder.name[len(_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:  # alive, another user's
            pass
