"""Periodic crawls as cron runs them: `scrapy crawl` against a site on 127.0.0.1 that changes
between runs, with the crawl state, archive and runs log kept in a work folder."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import ROOT, scrapy_command
from tests.live_site import CST, VIA, NewsSite
from tests.test_warc import warcio_cli

OLD = datetime(2024, 2, 14, 5, 21, tzinfo=CST)  # long outside any re-check window


def recent() -> datetime:
    """Inside the default two-day re-check window."""
    return datetime.now(CST).replace(microsecond=0) - timedelta(hours=12)


@dataclass
class Cron:
    """One site, one work folder, and the runs cron would make."""

    site: NewsSite
    work: Path
    site_file: Path

    def command(self, *settings: str) -> list[str]:
        site = f"site={self.site_file}"
        return scrapy_command("crawl", "news", "-a", site, work=self.work, settings=settings)

    def run(self, *settings: str) -> subprocess.CompletedProcess[str]:
        self.site.requests.clear()
        return subprocess.run(
            self.command(*settings), cwd=ROOT, capture_output=True, text=True, timeout=120
        )

    def start(self) -> subprocess.Popen[str]:
        self.site.requests.clear()
        return subprocess.Popen(
            self.command(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )

    def archived(self) -> list[dict[str, Any]]:
        files = sorted((self.work / "archive" / self.site_file.stem).glob("*.jsonl"))
        lines = [line for f in files for line in f.read_text(encoding="utf-8").splitlines()]
        return [json.loads(line) for line in lines]

    def slugs(self, records: list[dict[str, Any]]) -> list[str]:
        return [slug(r) for r in records]

    def by_slug(self, records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {slug(r): r for r in records}

    def runs_log(self) -> list[dict[str, Any]]:
        text = (self.work / "runs.jsonl").read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines()]

    def wait_for_archive(self, lines: int, process: subprocess.Popen[str]) -> None:
        deadline = time.monotonic() + 60
        while len(self.archived()) < lines:
            assert process.poll() is None, "the crawl ended before it was interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.05)


def slug(record: dict[str, Any]) -> str:
    return str(record["url"]).rsplit("/", 1)[1].removesuffix(".html")


@pytest.fixture
def cron(tmp_path: Path) -> Iterator[Cron]:
    site = NewsSite().serve()
    try:
        yield Cron(site, tmp_path, site.site_file(tmp_path))
    finally:
        site.close()


def seed(site: NewsSite, per_kind: int = 2) -> list[str]:
    """Old articles, ``per_kind`` through each discovery kind."""
    slugs = []
    for kind in VIA:
        for i in range(per_kind):
            slugs.append(site.add(f"{kind}-{i}", kind, OLD + timedelta(hours=i)).slug)
    return slugs


def ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr[-4000:]
    assert " ERROR: " not in result.stderr, result.stderr[-4000:]


def test_a_second_run_over_an_unchanged_site_requests_no_known_article(cron: Cron) -> None:
    old = seed(cron.site)
    cron.site.add("fresh", "list", recent())
    ok(cron.run())
    first = cron.archived()
    assert sorted(cron.slugs(first)) == sorted([*old, "fresh"])
    assert {r["version"] for r in first} == {1}

    ok(cron.run())
    # feeds, sitemaps and lists are fetched again; of the articles only the one young
    # enough to be re-checked, which has not changed
    assert cron.site.article_requests() == ["/articles/fresh.html"]
    for discovery in ("/robots.txt", "/sitemaps/articles.xml.gz", "/sitemaps/news.xml"):
        assert discovery in cron.site.requests
    for discovery in ("/rss.xml", "/atom.xml", "/news/index.html"):
        assert discovery in cron.site.requests
    assert cron.archived() == first
    summary = cron.runs_log()[-1]
    assert (summary["new"], summary["updated"], summary["unchanged"]) == (0, 0, 1)
    assert (summary["status"], summary["exit_status"], summary["articles_found"]) == ("ok", 0, 11)


def test_article_pages_are_captured_in_warc_as_http_exchanges(cron: Cron) -> None:
    seed(cron.site, per_kind=1)
    ok(cron.run())
    (warc,) = (cron.work / "warc" / "live").glob("*.warc.gz")
    with warc.open("rb") as f:
        captured = [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(f)
        ]
    articles = sorted(cron.site.url(p) for p in cron.site.article_requests())
    assert sorted(url for kind, url in captured if kind == "response") == articles
    assert sorted(url for kind, url in captured if kind == "request") == articles
    check = warcio_cli("check", "-v", str(warc))
    assert check.returncode == 0 and "fail" not in check.stdout, check.stdout + check.stderr
    by_url = {r["url"]: r for r in cron.archived()}
    assert set(by_url) == set(articles)
    assert all(r["warc_file"] == f"live/{warc.name}" for r in by_url.values())


def test_new_articles_are_found_through_each_discovery_kind(cron: Cron) -> None:
    seed(cron.site)
    ok(cron.run())
    before = len(cron.archived())
    added = {cron.site.add(f"new-{kind}", kind, OLD + timedelta(days=1)).slug for kind in VIA}

    ok(cron.run())
    new_lines = cron.archived()[before:]
    assert sorted(cron.slugs(new_lines)) == sorted(added)
    assert sorted(cron.site.article_requests()) == sorted(f"/articles/{s}.html" for s in added)
    assert cron.runs_log()[-1]["new"] == len(VIA)


def test_failed_and_dropped_articles_are_tried_again_next_run(cron: Cron) -> None:
    slugs = seed(cron.site)
    cron.site.unavailable = {"rss-0"}  # 503, and retried, in vain
    cron.site.blank = {"atom-1"}  # a page without title or text: dropped by validation
    first = cron.run()
    # one article of ten not downloaded is no failure of the site (Scrapy still logs the
    # give-up as an error)
    assert first.returncode == 0, first.stderr[-3000:]
    assert sorted(cron.slugs(cron.archived())) == sorted(set(slugs) - {"rss-0", "atom-1"})
    summary = cron.runs_log()[-1]
    assert (summary["failed_pages"], summary["dropped"], summary["status"]) == (1, 1, "ok")

    cron.site.unavailable = cron.site.blank = set()
    ok(cron.run())
    assert sorted(cron.site.article_requests()) == ["/articles/atom-1.html", "/articles/rss-0.html"]
    assert sorted(cron.slugs(cron.archived())) == sorted(slugs)


def test_failing_article_pages_are_logged_counted_and_the_crawl_goes_on(cron: Cron) -> None:
    good = seed(cron.site, per_kind=2)
    faults = {"404": "404", "410": "410", "503": "503", "loop": "loop", "stall": "stall"}
    faults["reset"] = "reset"
    for slug in faults:
        cron.site.add(slug, "rss", OLD)
    cron.site.faults = faults
    result = cron.run("DOWNLOAD_TIMEOUT=1", "RETRY_TIMES=1", "REDIRECT_MAX_TIMES=3")
    assert result.returncode == 0, result.stderr[-3000:]  # 6 of 16 pages failed: not most
    assert sorted(cron.slugs(cron.archived())) == sorted(good)
    for slug in faults:
        assert f"Article page failed: {cron.site.url(f'/articles/{slug}.html')}" in result.stderr
    summary = cron.runs_log()[-1]
    assert (summary["failed_pages"], summary["new"], summary["status"]) == (6, 10, "ok")
    # retried (503, the time-out, the reset) before being given up; after a 503 the site gets
    # time (SNAPSHOT_BACKOFF_BASE, 0.1 s in the tests' site files, doubled each retry)
    assert cron.site.requests.count("/articles/503.html") == 2
    assert "answered 503: its next request waits at least 0.1 s" in result.stderr
    assert cron.site.requests.count("/articles/reset.html") == 2

    cron.site.faults = {}  # the site recovers: the failed pages are fetched and archived
    ok(cron.run())
    assert sorted(cron.slugs(cron.archived())) == sorted([*good, *faults])


def test_hostile_pages_and_links_leave_the_crawl_going(cron: Cron) -> None:
    good = seed(cron.site, per_kind=2)
    elsewhere = NewsSite().serve(host="127.0.0.2")  # another host, on a private address
    try:
        elsewhere.add("private", "list", OLD)
        cron.site.extra_links = [
            elsewhere.url("/articles/private.html"),
            "http://10.255.255.1/articles/a.html",
            "ftp://127.0.0.1/articles/a.html",
            "mailto:editor@news.example",
            "javascript:alert(1)",
        ]
        for slug in ("huge", "empty", "bomb"):
            cron.site.add(slug, "rss", OLD)
        cron.site.faults = {"huge": "huge", "empty": "empty", "bomb": "bomb"}
        result = cron.run()
        assert result.returncode == 0, result.stderr[-3000:]
        assert sorted(cron.slugs(cron.archived())) == sorted(good)
        assert elsewhere.requests == []  # links off the site are not followed
        for slug in ("huge", "bomb"):  # over DOWNLOAD_MAXSIZE, before or while unpacking
            assert (
                f"Article page failed: {cron.site.url(f'/articles/{slug}.html')}" in result.stderr
            )
        summary = cron.runs_log()[-1]
        assert (summary["failed_pages"], summary["dropped"]) == (2, 1)  # the empty page: dropped
        assert "no title, content" in result.stderr
    finally:
        elsewhere.close()


def test_a_site_that_asks_for_time_gets_it_before_the_retry(cron: Cron) -> None:
    good = seed(cron.site, per_kind=1)
    cron.site.add("busy", "rss", OLD)
    cron.site.faults = {"busy": "429once"}  # 429, Retry-After: 2; then the page
    result = cron.run("RETRY_TIMES=2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(cron.slugs(cron.archived())) == sorted([*good, "busy"])
    asked = [t for path, t in cron.site.request_times if path == "/articles/busy.html"]
    assert len(asked) == 2 and asked[1] - asked[0] >= 1.9  # it waited as asked
    assert "its next request waits at least 2.0 s" in result.stderr


def test_redirect_chains_are_followed_and_traps_are_not(cron: Cron) -> None:
    good = seed(cron.site, per_kind=1)
    cron.site.add("relocated", "list", OLD + timedelta(days=1))
    cron.site.faults = {"relocated": "moved"}  # 301, then 302, then the page
    # a calendar whose every day links the next, and a link with a session id
    cron.site.extra_links = [
        "/calendar/2024-01-01.html",
        "/articles/list-0.html;jsessionid=0A1B2C3D?PHPSESSID=77",
    ]
    ok(cron.run())
    by_slug = cron.by_slug(cron.archived())
    assert sorted(by_slug) == sorted([*good, "relocated"])
    moved = by_slug["relocated"]
    assert moved["url"] == cron.site.url("/articles/relocated.html")  # as requested
    assert moved["final_url"] == cron.site.url("/articles/relocated.html?via=moved")
    assert not [p for p in cron.site.requests if p.startswith("/calendar/")]
    assert cron.site.requests.count("/articles/list-0.html") == 1  # one page, one request
    assert not [p for p in cron.site.requests if "session" in p.lower()]


def test_list_pages_are_followed_as_deep_as_the_site_says(cron: Cron) -> None:
    for i in range(10):  # 3 per list page: pages 1 to 4
        cron.site.add(f"listed-{i}", "list", OLD + timedelta(hours=i))
    cron.site.site_file(cron.work, list_depth=1)
    ok(cron.run())
    # the start page and one list page after it: the six newest
    assert sorted(cron.slugs(cron.archived())) == [f"listed-{i}" for i in range(4, 10)]
    assert "/news/page-3.html" not in cron.site.requests


def test_an_edit_inside_the_recheck_window_is_version_2_outside_not_fetched(cron: Cron) -> None:
    site = cron.site
    site.add("fresh", "list", recent())
    site.add("old", "list", OLD)
    site.add("old-in-sitemap", "sitemap", OLD)
    site.add("fresh-in-sitemap", "sitemap", recent())
    ok(cron.run())
    first = cron.by_slug(cron.archived())

    for slug in ("fresh", "old", "fresh-in-sitemap"):
        site.edit(slug, f"{slug}:改写后的正文。这一段是编辑之后新加的内容,用于检验快照版本。")
    # the sitemap says this old one changed: its <lastmod> is after the last fetch
    site.edit(
        "old-in-sitemap",
        "旧文更新:这篇旧文章被编辑过,站点地图给出了新的修改时间。",
        datetime.now(CST),
    )
    ok(cron.run())

    requested = sorted(site.article_requests())
    assert requested == ["/articles/fresh.html", "/articles/old-in-sitemap.html"]
    new_lines = cron.archived()[len(first) :]
    versions = cron.by_slug(new_lines)
    assert sorted(versions) == ["fresh", "old-in-sitemap"]
    for slug, record in versions.items():
        assert record["version"] == 2
        assert record["previous_snapshot_time"] == first[slug]["snapshot_time"]
        assert record["content"] != first[slug]["content"]
    # "old" changed too, but is outside the window; "fresh-in-sitemap" is inside it, but its
    # <lastmod> says it did not change: neither is fetched, so neither has a version 2 yet
    assert cron.runs_log()[-1]["updated"] == 2


def slow_site(cron: Cron, per_kind: int, delay: float = 0.2) -> list[str]:
    """Seed a site whose article pages take ``delay`` seconds, two at a time: a crawl of
    some seconds."""
    slugs = seed(cron.site, per_kind)
    cron.site.article_delay = delay
    cron.site.site_file(cron.work, CONCURRENT_REQUESTS_PER_DOMAIN=2)
    return slugs


def test_killed_runs_resume_and_archive_every_article_once(cron: Cron) -> None:
    # the pages fetched while the extractor's worker process starts are archived in a burst,
    # of 10 to 25 in this test: enough articles that the second run still has some to do
    slugs = slow_site(cron, per_kind=10)

    killed = cron.start()
    cron.wait_for_archive(4, killed)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    after_kill = len(cron.archived())

    stopped = cron.start()
    cron.wait_for_archive(after_kill + 4, stopped)
    stopped.send_signal(signal.SIGTERM)  # Scrapy stops gracefully: in-flight pages finish
    _, stderr = stopped.communicate(timeout=60)
    assert stopped.returncode == 6, stderr[-3000:]

    cron.site.article_delay = 0
    before_last = len(cron.archived())
    ok(cron.run())
    archived = Counter(cron.slugs(cron.archived()))
    assert sorted(archived) == sorted(slugs)
    assert set(archived.values()) == {1}, archived
    statuses = [(r["status"], r["exit_status"]) for r in cron.runs_log()]
    assert statuses == [("interrupted", 6), ("ok", 0)]  # the SIGKILLed run wrote no summary
    assert cron.runs_log()[-1]["new"] == len(slugs) - before_last


def test_an_overlapping_run_exits_at_once_with_its_status(cron: Cron) -> None:
    slugs = seed(cron.site, per_kind=2)
    cron.site.gate.clear()  # article pages hang: the first run is held mid-crawl
    first = cron.start()
    deadline = time.monotonic() + 60
    while not cron.site.article_requests():
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)

    started = time.monotonic()
    second = subprocess.run(cron.command(), cwd=ROOT, capture_output=True, text=True, timeout=60)
    took = time.monotonic() - started
    assert second.returncode == 75, second.stderr[-3000:]
    assert f"Another crawl of site 'live' is running (pid {first.pid}" in second.stderr
    assert first.poll() is None, "the first run must still be going: the second did not wait"
    cron.site.gate.set()
    _, stderr = first.communicate(timeout=60)
    assert first.returncode == 0, stderr[-3000:]

    assert Counter(cron.slugs(cron.archived())) == Counter(slugs)
    statuses = [r["status"] for r in cron.runs_log()]
    assert statuses == ["already_running", "ok"]
    assert took < 30


def test_a_broken_site_says_so_in_its_exit_status(cron: Cron) -> None:
    seed(cron.site)
    ok(cron.run())

    cron.site.broken = True  # every page but robots.txt answers 500
    failed = cron.run()
    assert failed.returncode == 3
    assert "Discovery failed" in failed.stderr

    cron.site.broken = False
    cron.site.empty = True  # pages load, but the lists, sitemaps and feeds link nothing
    empty = cron.run()
    assert empty.returncode == 4, empty.stderr[-3000:]

    cron.site.empty = False
    cron.site.dateless = True  # a new layout: the publish time is gone from every page
    for i in range(5):
        cron.site.add(f"relaunch-{i}", "rss", OLD + timedelta(days=3, hours=i))
    changed = cron.run()
    assert changed.returncode == 5, changed.stderr[-3000:]

    runs = cron.runs_log()
    assert [(r["status"], r["exit_status"]) for r in runs] == [
        ("ok", 0),
        ("failed", 3),
        ("no_articles", 4),
        ("bad_extraction", 5),
    ]
    assert runs[2]["problems"] == [
        "no article page found, though the archive holds 10 from earlier runs"
    ]
    assert runs[3]["problems"] == ["5 of 5 snapshots have no publish time"]
    assert runs[3]["new"] == 5  # still archived: a snapshot without a date is kept
    for run in runs:
        start, end = (datetime.fromisoformat(run[k]) for k in ("start", "end"))
        assert start <= end and start.tzinfo == timezone.utc
        assert run["site"] == "live" and run["requests"] > 0


def test_crawlall_crawls_every_enabled_site_in_one_process(tmp_path: Path) -> None:
    sites_dir = tmp_path / "sites"
    sites_dir.mkdir()
    first, second = NewsSite().serve(), NewsSite().serve()
    try:
        seed(first, per_kind=1)
        seed(second, per_kind=1)
        first.site_file(sites_dir, name="first")
        second.site_file(sites_dir, name="second")
        (sites_dir / "off.toml").write_text(
            'enabled = false\nstart_urls = ["http://127.0.0.1:9/"]\n', encoding="utf-8"
        )
        args = scrapy_command("crawlall", "--sites-dir", str(sites_dir), work=tmp_path)
        result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
        ok(result)
        runs = [json.loads(line) for line in (tmp_path / "runs.jsonl").read_text().splitlines()]
        assert sorted((r["site"], r["new"]) for r in runs) == [("first", 5), ("second", 5)]

        second.broken = True
        result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode == 3
    finally:
        first.close()
        second.close()
