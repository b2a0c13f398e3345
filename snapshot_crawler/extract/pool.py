"""The extractor in worker processes, so that extraction has a core of its own.

A crawl spends most of its CPU in one process: downloading, scheduling, the pipelines, and the
extractor, which alone is about half of it. Run in a process pool, extraction proceeds on
another core while the crawler's process goes on with other pages; and a page that crashes the
parser (a libxml2 fault) ends a worker, not the crawl.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .article import Page, extract_article


class ExtractorPool:
    """``extract_article`` in ``processes`` worker processes, started at the first page; with
    0 processes, in the calling process."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._executor: ProcessPoolExecutor | None = None

    async def extract(self, body: bytes, url: str, **kwargs: Any) -> Page:
        if self.processes <= 0:
            return extract_article(body, url, **kwargs)
        if self._executor is None:
            # workers forked from a server that loaded the extractor once, not from the
            # crawler's process with its threads and open connections
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            self._executor = ProcessPoolExecutor(self.processes, mp_context=context)
        try:
            return await asyncio.wrap_future(
                self._executor.submit(extract_article, body, url, **kwargs)
            )
        except BrokenProcessPool:
            # a worker died (on this page or another in flight): the next page gets a new pool
            self.close()
            raise

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
