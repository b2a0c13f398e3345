"""The extractor in worker processes: the same result as in the crawler's process, and a worker
that dies costs the pages in flight, not the crawl."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from snapshot_crawler.extract.article import extract_article
from snapshot_crawler.extract.pool import ProcessPool
from tests.conftest import DEMO_SITE, ROOT

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 2, 14, 8, 45, 6, tzinfo=SHANGHAI)


def demo_page() -> tuple[bytes, str]:
    path = sorted(DEMO_SITE.glob("**/*.html"))[-1]
    return path.read_bytes(), path.as_uri()


def test_worker_processes_extract_what_the_crawler_process_does() -> None:
    body, url = demo_page()
    expected = extract_article(body, url, now=NOW, default_tz=SHANGHAI)
    pool = ProcessPool(1)
    try:
        page = asyncio.run(pool.run(extract_article, body, url, now=NOW, default_tz=SHANGHAI))
    finally:
        pool.close()
    assert page == expected and page.fields["content"]


def test_a_dead_worker_fails_its_page_and_the_next_page_gets_a_new_pool() -> None:
    body, url = demo_page()
    pool = ProcessPool(1)

    async def three_pages() -> list[object]:
        first = await pool.run(extract_article, body, url, now=NOW, default_tz=SHANGHAI)
        assert pool._executor is not None
        for process in list(pool._executor._processes.values()):  # as the OOM killer would
            assert process.pid is not None
            os.kill(process.pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            await pool.run(extract_article, body, url, now=NOW, default_tz=SHANGHAI)
        third = await pool.run(extract_article, body, url, now=NOW, default_tz=SHANGHAI)
        return [first, third]

    try:
        first, third = asyncio.run(three_pages())
    finally:
        pool.close()
    assert first == third


def test_workers_die_with_a_crawler_killed_by_sigkill() -> None:
    script = (
        "import asyncio, sys\n"
        "from datetime import datetime, timezone\n"
        "from snapshot_crawler.extract.article import extract_article\n"
        "from snapshot_crawler.extract.pool import ProcessPool\n"
        "pool = ProcessPool(1)\n"
        "body = open(sys.argv[1], 'rb').read()\n"
        "now = datetime.now(timezone.utc)\n"
        "asyncio.run(pool.run(extract_article, body, 'https://a.example/', now=now,"
        " default_tz=timezone.utc))\n"
        "print(*pool._executor._processes, flush=True)\n"
        "sys.stdin.read()\n"
    )
    page = sorted(DEMO_SITE.glob("**/*.html"))[-1]
    crawler = subprocess.Popen(
        [sys.executable, "-c", script, str(page)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert crawler.stdout is not None
    workers = [int(pid) for pid in crawler.stdout.readline().split()]
    assert workers and all(alive(pid) for pid in workers)
    crawler.kill()
    crawler.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived its crawler"
        time.sleep(0.05)


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting for its reaper does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
