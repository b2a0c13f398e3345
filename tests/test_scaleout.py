"""Scale out: worker processes crawling one site on 127.0.0.1 together through a real Redis
server (``SNAPSHOT_STATE_URL``), each a real ``scrapy crawl``, against one work folder."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, scrapy_command
from tests.live_site import VIA, NewsSite
from tests.test_cron_runs import OLD
from tests.test_reposts import STORY

# Fields that say where and when a snapshot was taken, not what the page holds.
CAPTURE_FIELDS = {"snapshot_time", "warc_file", "warc_record_id"}


@dataclass
class Workers:
    """Worker processes of one site's crawl, sharing the Redis server and a work folder."""

    site: NewsSite
    work: Path
    site_file: Path
    redis_url: str

    def command(self, *settings: str) -> list[str]:
        shared = (
            f"SNAPSHOT_STATE_URL={self.redis_url}",
            "SNAPSHOT_REDIS_IDLE_CLOSE=1",
            "SNAPSHOT_REDIS_WORKER_TIMEOUT=3",
            # a worker takes no more requests than it downloads at once, leaving the rest of
            # this small site's queue to the other
            "CONCURRENT_REQUESTS=4",
            *settings,
        )
        site = f"site={self.site_file}"
        return scrapy_command("crawl", "news", "-a", site, work=self.work, settings=shared)

    def start(self, *settings: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*settings),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def archive_files(self) -> list[Path]:
        return sorted((self.work / "archive" / self.site_file.stem).glob("*.jsonl"))

    def archived(self) -> list[dict[str, Any]]:
        return [record for path in self.archive_files() for record in read_jsonl(path)]

    def wait_for_archive(self, lines: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.archived()) < lines:
            assert time.monotonic() < deadline, "the workers archived too little"
            time.sleep(0.05)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def finish(process: subprocess.Popen[str]) -> str:
    """Wait for a worker; its log, after checking that it ended well."""
    _, log = process.communicate(timeout=120)
    assert process.returncode == 0, log[-4000:]
    assert " ERROR: " not in log, log[-4000:]
    return log


def seeded_site(per_kind: int, delay: float = 0.0) -> NewsSite:
    site = NewsSite(article_delay=delay).serve()
    for kind in VIA:
        for i in range(per_kind):
            site.add(f"{kind}-{i}", kind, OLD + timedelta(hours=i))
    return site


@pytest.fixture
def site() -> Iterator[NewsSite]:
    served = seeded_site(per_kind=6, delay=0.1)
    yield served
    served.close()


@pytest.fixture
def workers(site: NewsSite, tmp_path: Path, redis_url: str) -> Workers:
    return Workers(site, tmp_path / "shared", site.site_file(tmp_path), redis_url)


def content(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in CAPTURE_FIELDS}


def test_two_workers_archive_each_article_once_as_a_single_crawl_would(
    workers: Workers, tmp_path: Path
) -> None:
    alone = subprocess.run(
        scrapy_command("crawl", "news", "-a", f"site={workers.site_file}", work=tmp_path / "alone"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert alone.returncode == 0, alone.stderr[-4000:]
    single = read_jsonl(next((tmp_path / "alone" / "archive" / "live").glob("*.jsonl")))
    assert len(single) == 6 * len(VIA)

    logs = [finish(p) for p in [workers.start(), workers.start()]]
    together = workers.archived()
    assert Counter(r["url"] for r in together) == Counter(r["url"] for r in single)
    by_url = {r["url"]: content(r) for r in single}
    assert all(content(r) == by_url[r["url"]] for r in together)
    # each worker wrote its own files, and both took a share of the pages
    files = workers.archive_files()  # <day>.<host>-<worker number>.jsonl
    assert [f.name.rsplit("-", 1)[1] for f in files] == ["0.jsonl", "1.jsonl"]
    assert all(read_jsonl(f) for f in files)
    warcs = sorted(p.name for p in (workers.work / "warc" / "live").glob("*.warc.gz"))
    assert len(warcs) == 2 and warcs[0] != warcs[1]
    assert all("Spider closed (finished)" in log for log in logs)

    # the readers take the workers' files together
    report = subprocess.run(
        scrapy_command("duplicates", str(workers.work / "archive"), "--json", work=workers.work),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert report.returncode == 0, report.stderr[-2000:]
    for record in (read_jsonl(files[0])[0], read_jsonl(files[1])[0]):
        shown = subprocess.run(
            scrapy_command("render", "--url", record["url"], work=workers.work),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert shown.returncode == 0 and record["title"] in shown.stdout, shown.stderr[-2000:]


def test_a_worker_killed_mid_crawl_loses_nothing_to_the_surviving_one(workers: Workers) -> None:
    workers.site.article_delay = 0.3
    doomed, survivor = workers.start(), workers.start()
    workers.wait_for_archive(4)
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate()
    log = finish(survivor)
    assert "stopped answering" in log and "back in the queue" in log
    urls = Counter(r["url"] for r in workers.archived())
    assert len(urls) == 6 * len(VIA) and set(urls.values()) == {1}, log[-6000:]


def test_a_killed_worker_restarted_takes_back_what_it_held(workers: Workers) -> None:
    workers.site.article_delay = 0.3
    doomed = workers.start()
    workers.wait_for_archive(4)
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate()
    held = len(workers.archived())
    log = finish(workers.start())
    # the restarted worker takes the killed one's number, its files and its leases
    assert "restarted:" in log and "back in the queue" in log
    urls = Counter(r["url"] for r in workers.archived())
    assert len(urls) == 6 * len(VIA) and set(urls.values()) == {1}, log[-6000:]
    assert len(workers.archive_files()) == 1 and held < len(urls)


def test_near_duplicates_are_found_across_workers(tmp_path: Path, redis_url: str) -> None:
    story = "\n".join(STORY)
    edited = "\n".join([*STORY[:5], "据悉,工程验收将于下月进行。", *STORY[6:]])
    sites = {}
    for name, texts in (("origin", [story]), ("copies", [story, edited])):
        site = NewsSite().serve()
        for i, text in enumerate(texts):
            site.add(f"story-{i}", "list", OLD, text=text)
        site.add(f"{name}-brief", "list", OLD)
        sites[name] = Workers(site, tmp_path / "shared", site.site_file(tmp_path, name), redis_url)
    try:
        for crawl in sites.values():  # each site by two workers, one site after the other
            for process in [crawl.start(), crawl.start()]:
                finish(process)
    finally:
        for crawl in sites.values():
            crawl.site.close()
    (original,) = [r for r in sites["origin"].archived() if "story" in r["url"]]
    copies = {r["url"].rsplit("/", 1)[1]: r for r in sites["copies"].archived()}
    assert copies["story-0.html"]["duplicate_of"] == original["url"]
    assert copies["story-0.html"]["similarity"] == 1.0
    assert copies["story-1.html"]["duplicate_of"] == original["url"]
    assert 0.5 <= copies["story-1.html"]["similarity"] < 1.0
    assert copies["copies-brief.html"].get("duplicate_of") is None
