"""CPU-bound pure functions in worker processes, so that they have a core of their own.

A crawl spends most of its CPU in one process: downloading, scheduling, the pipelines, and the
extractor, which alone is about half of it. Run in a process pool, extraction (and the text
signatures of the dedup stage) proceed on another core while the crawler's process goes on with
other pages; and a page that crashes the parser (a libxml2 fault) ends a worker, not the crawl.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")

_PR_SET_PDEATHSIG = 1


class ProcessPool:
    """Functions run in ``processes`` worker processes, started at the first call; with 0
    processes, in the calling process."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._executor: ProcessPoolExecutor | None = None

    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)``; a module-level function, arguments that pickle."""
        if self.processes <= 0:
            return function(*args, **kwargs)
        if self._executor is None:
            # spawned, not forked from the crawler's process with its threads and connections;
            # children of the crawler, which die with it, however it ends
            self._executor = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=die_with_parent,
                initargs=(os.getpid(),),
            )
        try:
            return await asyncio.wrap_future(self._executor.submit(function, *args, **kwargs))
        except BrokenProcessPool:
            # a worker died (on this call or another in flight): the next call gets a new pool
            self.close()
            raise

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def die_with_parent(parent: int) -> None:
    """Have the kernel end this worker when the crawler's process ends, even by SIGKILL: a
    worker left behind would hold the crawl's pipes and memory. Linux only; elsewhere a worker
    may outlive a killed crawl."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the crawler died before the request took effect
        os._exit(1)
