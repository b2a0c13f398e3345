"""The extractor in worker processes: the same result as in the crawler's process, and a worker
that dies costs the pages in flight, not the crawl."""

from __future__ import annotations

import asyncio
import os
import signal
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from snapshot_crawler.extract.article import extract_article
from snapshot_crawler.extract.pool import ExtractorPool
from tests.conftest import DEMO_SITE

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 2, 14, 8, 45, 6, tzinfo=SHANGHAI)


def demo_page() -> tuple[bytes, str]:
    path = sorted(DEMO_SITE.glob("**/*.html"))[-1]
    return path.read_bytes(), path.as_uri()


def test_worker_processes_extract_what_the_crawler_process_does() -> None:
    body, url = demo_page()
    expected = extract_article(body, url, now=NOW, default_tz=SHANGHAI)
    pool = ExtractorPool(1)
    try:
        page = asyncio.run(pool.extract(body, url, now=NOW, default_tz=SHANGHAI))
    finally:
        pool.close()
    assert page == expected and page.fields["content"]


def test_a_dead_worker_fails_its_page_and_the_next_page_gets_a_new_pool() -> None:
    body, url = demo_page()
    pool = ExtractorPool(1)

    async def three_pages() -> list[object]:
        first = await pool.extract(body, url, now=NOW, default_tz=SHANGHAI)
        assert pool._executor is not None
        for process in list(pool._executor._processes.values()):  # as the OOM killer would
            assert process.pid is not None
            os.kill(process.pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            await pool.extract(body, url, now=NOW, default_tz=SHANGHAI)
        third = await pool.extract(body, url, now=NOW, default_tz=SHANGHAI)
        return [first, third]

    try:
        first, third = asyncio.run(three_pages())
    finally:
        pool.close()
    assert first == third
