"""``scrapy crawlall``: crawl every enabled site file in one process, for one cron line.

Each site runs as its own crawl (its settings, lock, state and runs-log line); the command
exits with the gravest status of them (the lowest non-zero one, see ``ExitStatus``).
"""

from __future__ import annotations

import argparse

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError

from snapshot_crawler.commands.crawl import run_status
from snapshot_crawler.sites import available_sites, load_site


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Crawl every enabled site file (enabled = true, the default) in one process"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError("crawlall takes no arguments; disable a site with enabled = false")
        sites = [name for name in available_sites() if load_site(name).enabled]
        if not sites:
            raise UsageError("no enabled site file in snapshot_crawler/sites/")
        assert self.crawler_process is not None
        crawlers = []
        for name in sites:
            crawler = self.crawler_process.create_crawler("news")
            self.crawler_process.crawl(crawler, site=name, **opts.spargs)
            crawlers.append(crawler)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        failures = [status for crawler in crawlers if (status := run_status(crawler))]
        self.exitcode = min(failures, default=0)
