"""``scrapy replay SOURCE -O items.jsonl``: re-extract saved pages offline.

SOURCE is a manifest (JSON lines ``{"url", "path", "encoding"?, "snapshot_time"?}``, paths
relative to it) or a folder of ``.html``/``.html.gz`` files. Every page goes through the
``news`` spider's callback and the item pipelines exactly as in a live crawl; nothing is
fetched and no link is followed. ``-a site=NAME`` applies a site file's selectors and time zone.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES

# Replays read files: politeness and robots.txt are for servers, and the JSONL archive, the
# crawl state and the runs log are for crawls (a replay re-extracts every page, whatever the
# state knows, and exits 1 when a page could not be read). These
# outrank the project's and a site file's settings (which would otherwise win
# over a command's defaults) but not -s on the command line.
REPLAY_SETTINGS: dict[str, Any] = {
    "ROBOTSTXT_OBEY": False,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "SNAPSHOT_ARCHIVE_ENABLED": False,
    "SNAPSHOT_STATE_DIR": "",
    "SNAPSHOT_RUN_REPORT_ENABLED": False,
    "SNAPSHOT_WARC_ENABLED": False,
}
_ABOVE_SITE_FILES = SETTINGS_PRIORITIES["spider"] + 5


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] MANIFEST.jsonl|FOLDER"

    def short_desc(self) -> str:
        return "Re-extract saved pages through the news spider and pipelines, offline"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        for name, value in REPLAY_SETTINGS.items():
            self.settings.set(name, value, priority=_ABOVE_SITE_FILES)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one manifest or folder")
        source = Path(args[0])
        if not source.exists():
            raise UsageError(f"{source} does not exist")
        assert self.crawler_process is not None
        crawler = self._create_crawler("news")
        self.crawler_process.crawl(crawler, replay=str(source.resolve()), **opts.spargs)
        self.crawler_process.start()
        failed = crawler.stats.get_value("snapshot/replay/failed", 0) if crawler.stats else 0
        if self.crawler_process.bootstrap_failed or failed:
            self.exitcode = 1
