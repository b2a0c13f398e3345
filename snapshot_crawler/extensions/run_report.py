"""Run health: one summary per crawl, appended to the runs log, and the exit status for cron."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from enum import IntEnum
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from snapshot_crawler import project_path
from snapshot_crawler.extensions.crawl_state import ALREADY_RUNNING, CrawlState, state_name
from snapshot_crawler.scaleout.workers import Workers

logger = logging.getLogger(__name__)


class ExitStatus(IntEnum):
    """What ``scrapy crawl`` / ``scrapy crawlall`` exit with (documented in the README)."""

    OK = 0
    FAILED = 3
    """Errors were logged (a start page, list, sitemap or feed failed; code raised), or most
    article pages failed to download."""
    NO_ARTICLES = 4
    """No article page was found: the site is down, blocks us, or moved its lists."""
    BAD_EXTRACTION = 5
    """Most snapshots lack a title or publish time: the page layout changed."""
    INTERRUPTED = 6
    """Stopped by a signal (SIGTERM, Ctrl-C) before it finished; the next run resumes."""
    ALREADY_RUNNING = 75
    """Another run of the same site holds its lock (EX_TEMPFAIL: try again later)."""


class RunReport:
    """Judges each crawl's health when it closes, logs the verdict and appends a summary line
    to ``SNAPSHOT_RUNS_LOG``; ``exit_status`` is what the crawl commands exit with."""

    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.settings: BaseSettings = crawler.settings
        self.start = datetime.now(timezone.utc)
        self.extracted = 0
        self.missing_title = 0
        self.missing_date = 0
        self.new = 0
        self.updated = 0
        self.exit_status: ExitStatus | None = None
        """Set when the crawl has closed."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunReport:
        if not crawler.settings.getbool("SNAPSHOT_RUN_REPORT_ENABLED"):
            raise NotConfigured("SNAPSHOT_RUN_REPORT_ENABLED is off")
        report = cls(crawler)
        crawler.signals.connect(report.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(report.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(report.spider_closed, signal=signals.spider_closed)
        return report

    def item_scraped(self, item: Any) -> None:
        self.count_extracted(item)
        if ItemAdapter(item).get("version", 1) > 1:
            self.updated += 1
        else:
            self.new += 1

    def item_dropped(self, item: Any) -> None:
        self.count_extracted(item)

    def count_extracted(self, item: Any) -> None:
        adapter = ItemAdapter(item)
        self.extracted += 1
        self.missing_title += not adapter.get("title")
        self.missing_date += not adapter.get("publish_time")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        summary = self.summary(spider, reason)
        self.exit_status = ExitStatus[summary["status"].upper()]
        self.stats.set_value("snapshot/run/exit_status", int(self.exit_status))
        runs_log = self.settings.get("SNAPSHOT_RUNS_LOG")
        if runs_log:
            path = project_path(runs_log)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(summary, ensure_ascii=False) + "\n")
        level = logging.INFO if self.exit_status is ExitStatus.OK else logging.ERROR
        logger.log(
            level,
            "Run of %s: %s (exit status %d)%s",
            summary["site"],
            summary["status"],
            summary["exit_status"],
            "".join(f"\n  - {p}" for p in summary["problems"]),
        )

    def summary(self, spider: Spider, reason: str) -> dict[str, Any]:
        """The run's figures and verdict: the line appended to the runs log."""
        value = self.stats.get_value
        unchanged = value("snapshot/dedup/unchanged", 0)
        # Scrapy logs a retried download that gave up as an error; the spider's errback judges
        # those instead (a discovery page is an error, an article page counts as failed)
        errors = max(0, value("log_count/ERROR", 0) - value("retry/max_reached", 0))
        status, problems = self.verdict(reason, errors)
        return {
            "site": state_name(spider),
            "start": self.start.isoformat(timespec="seconds"),
            "end": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "finish_reason": reason,
            "requests": value("downloader/request_count", 0),
            "articles_found": self.articles_found(),
            "new": self.new,
            "updated": self.updated,
            "unchanged": unchanged,
            "dropped": value("item_dropped_count", 0) - unchanged,
            "failed_pages": value("snapshot/articles/failed", 0)
            + value("snapshot/discovery/failed", 0),
            "skipped_pages": value("snapshot/pages/not_text", 0),
            "errors": errors,
            "status": status.name.lower(),
            "exit_status": int(status),
            "problems": problems,
        }

    def articles_found(self) -> int:
        """Article pages this run saw: parsed, skipped as known, or failed to download; in a
        shared crawl (Redis mode), skipped as known or handed to the shared queue, from which
        any worker may have fetched them."""
        value = self.stats.get_value
        skipped = value("snapshot/incremental/skipped", 0)
        seen_here = (
            value("snapshot/pages/article", 0) + skipped + value("snapshot/articles/failed", 0)
        )
        return int(max(seen_here, skipped + value("snapshot/scaleout/articles_scheduled", 0)))

    def verdict(self, reason: str, errors: int) -> tuple[ExitStatus, list[str]]:
        """The exit status and the problems behind it, the gravest first."""
        if reason == ALREADY_RUNNING:
            return ExitStatus.ALREADY_RUNNING, ["another run of this site is still going"]
        if reason == "shutdown":
            return ExitStatus.INTERRUPTED, ["stopped by a signal before it finished"]
        settings = self.settings
        found = self.articles_found()
        failed = self.stats.get_value("snapshot/articles/failed", 0)
        checks = [
            (
                ExitStatus.FAILED,
                reason != "finished" and not reason.startswith("closespider_"),
                f"the crawl ended as {reason!r}",
            ),
            (
                ExitStatus.FAILED,
                errors > settings.getint("SNAPSHOT_HEALTH_MAX_ERRORS"),
                f"{errors} errors logged",
            ),
            (
                ExitStatus.FAILED,
                found > 0
                and failed / found > settings.getfloat("SNAPSHOT_HEALTH_MAX_FAILED_SHARE"),
                f"{failed} of {found} article pages failed to download",
            ),
            (
                ExitStatus.NO_ARTICLES,
                found == 0 and not self.others_found_articles(),
                self.no_articles_problem(),
            ),
        ]
        if self.extracted >= settings.getint("SNAPSHOT_HEALTH_MIN_ITEMS"):
            limit = settings.getfloat("SNAPSHOT_HEALTH_MAX_MISSING_SHARE")
            for missing, what in (
                (self.missing_title, "title"),
                (self.missing_date, "publish time"),
            ):
                checks.append(
                    (
                        ExitStatus.BAD_EXTRACTION,
                        missing / self.extracted > limit,
                        f"{missing} of {self.extracted} snapshots have no {what}",
                    )
                )
        problems = [(status, text) for status, failing, text in checks if failing]
        if not problems:
            return ExitStatus.OK, []
        return problems[0][0], [text for _, text in problems]

    def others_found_articles(self) -> bool:
        """A worker of a shared crawl (Redis mode) whose pages led to no article may have
        been left only pages without any: the crawl is judged by what all its workers found."""
        workers = Workers.of(self.crawler)
        return workers is not None and workers.crawl_articles_found > 0

    def no_articles_problem(self) -> str:
        state = self.crawler.get_extension(CrawlState)
        before = state.articles_before if state is not None else 0
        if before:
            return f"no article page found, though the archive holds {before} from earlier runs"
        return "no article page found"
