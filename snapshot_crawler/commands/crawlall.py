"""``scrapy crawlall``: crawl every enabled site file in one process, for one cron line.

Each site runs as its own crawl (its settings, lock, state and runs-log line); the command
exits with the gravest status of them (the lowest non-zero one, see ``ExitStatus``).
"""

from __future__ import annotations

import argparse

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError

from snapshot_crawler import project_path
from snapshot_crawler.commands.crawl import run_status
from snapshot_crawler.sites import SITES_DIR, SiteError, load_site


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Crawl every enabled site file (enabled = true, the default) in one process"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--sites-dir",
            default=str(SITES_DIR),
            help="the folder of site files (default: the project's snapshot_crawler/sites/)",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError("crawlall takes no arguments; disable a site with enabled = false")
        folder = project_path(opts.sites_dir)
        try:  # a broken site file stops every crawl: it is found on the first run, not weeks on
            sites = [str(p) for p in sorted(folder.glob("*.toml")) if load_site(str(p)).enabled]
        except SiteError as exc:
            raise UsageError(str(exc)) from exc
        if not sites:
            raise UsageError(f"no enabled site file in {folder}")
        assert self.crawler_process is not None
        crawlers = []
        for site in sites:
            crawler = self.crawler_process.create_crawler("news")
            self.crawler_process.crawl(crawler, site=site, **opts.spargs)
            crawlers.append(crawler)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        failures = [status for crawler in crawlers if (status := run_status(crawler))]
        self.exitcode = min(failures, default=0)
