"""``scrapy crawl``, with an exit status that tells cron whether the run was healthy.

Scrapy's own command exits 0 whatever happened to the site; this one exits with the run
report's verdict (``ExitStatus``: 3 failed, 4 no articles, 5 bad extraction, 6 interrupted,
75 already running), and 1 or 2 as Scrapy does for a crawl that could not start or bad usage.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError

from snapshot_crawler.extensions.run_report import ExitStatus, RunReport


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider; the exit status says whether the site's run was healthy"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider, e.g. scrapy crawl news -a site=NAME")
        assert self.crawler_process is not None
        crawler = self.crawler_process.create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        self.exitcode = 1 if self.crawler_process.bootstrap_failed else run_status(crawler)


def run_status(crawler: Crawler) -> int:
    """The exit status the crawl's run report gave (0 when the report is off)."""
    report = crawler.get_extension(RunReport)
    if report is None or report.exit_status is None:
        return ExitStatus.OK
    return int(report.exit_status)
