"""Stage 4: append each snapshot as one JSON line to ``<dir>/<site>/<YYYY-MM-DD>.jsonl``.

Each line goes to the file in one ``write`` on an ``O_APPEND`` descriptor, so a killed process
leaves at most its last line torn. A torn tail is found when the file is next opened: it is cut
off (and kept beside the archive as ``<name>.jsonl.torn`` for inspection) before anything is
appended, so every line of an archive is always one whole JSON document.

The crawl state records a snapshot only after its line is written; a process killed in between
leaves lines the state does not know. When a crawl opens, the site's newest archive files are
read back and such lines recorded, so the next run does not archive them again.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.signalmanager import SignalManager
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro

from snapshot_crawler import project_path
from snapshot_crawler.extensions.crawl_state import CrawlState
from snapshot_crawler.extract.fingerprint import signature
from snapshot_crawler.files import append_whole, cut_tail
from snapshot_crawler.signals import snapshot_archived
from snapshot_crawler.urls import url_key

logger = logging.getLogger(__name__)
_TAIL_CHUNK = 65536


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps_line(record: dict[str, Any]) -> bytes:
    """One archive line: UTF-8 JSON, non-ASCII unescaped, but U+2028/U+2029 escaped because
    line-oriented readers (Python's ``str.splitlines``, JavaScript) take them as line breaks.
    A lone surrogate (from a field no stage cleans, such as a URL given in a manifest) cannot be
    UTF-8: it becomes U+FFFD, so that the line stays readable by every JSON parser."""
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=_nested_item)
    text = _LONE_SURROGATE.sub("\ufffd", text)
    return (text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n").encode("utf-8")


def _nested_item(value: Any) -> dict[str, Any]:
    """An item inside a record (a user's item class in a field), as JSON sees it."""
    if ItemAdapter.is_item(value):
        return ItemAdapter(value).asdict()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def archive_lines(path: Path) -> Iterator[dict[str, Any]]:
    """The snapshots of one archive file; a torn last line (cut off when the writer next opens
    the file) is skipped."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.endswith("\n"):
                yield json.loads(line)


def archive_records(directory: Path) -> Iterator[dict[str, Any]]:
    """Every snapshot of an archive folder (``<site>/<day>.jsonl``)."""
    for path in sorted(directory.glob("*/*.jsonl")):
        yield from archive_lines(path)


def repair_torn_tail(path: Path) -> int:
    """Cut an unfinished last line off ``path``; returns how many bytes were cut (0: intact)."""
    with path.open("r+b") as f:
        size = f.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return 0
        end = size
        while end > 0:  # find the last newline, reading backwards a chunk at a time
            start = max(0, end - _TAIL_CHUNK)
            f.seek(start)
            newline = f.read(end - start).rfind(b"\n")
            if newline >= 0:
                end = start + newline + 1
                break
            end = start
    return cut_tail(path, end, separator=b"\n")


class ArchiveWriter:
    """Appends records to per-site, per-day JSONL files under one directory; a worker of a
    crawl shared through Redis writes its own, ``<YYYY-MM-DD>.<worker>.jsonl``, so that no two
    processes append to one file."""

    def __init__(self, directory: Path, fsync: bool = False, worker: str | None = None) -> None:
        self.directory = directory
        self.fsync = fsync
        self.suffix = f".{worker}.jsonl" if worker else ".jsonl"
        self._own_name = re.compile(r"\d{4}-\d{2}-\d{2}" + re.escape(self.suffix))
        self._fds: dict[Path, int] = {}
        self.repaired: list[tuple[Path, int]] = []
        """Files whose torn tail was cut on opening, with the bytes cut."""

    def path_for(self, site: str, snapshot_time: str) -> Path:
        return self.directory / site / f"{snapshot_time[:10]}{self.suffix}"

    def own_files(self, site: str) -> list[Path]:
        """The site's archive files that this writer writes to, oldest first."""
        folder = self.directory / site
        return sorted(
            p for p in folder.glob("*.jsonl") if self._own_name.fullmatch(p.name) and p.is_file()
        )

    def write(self, site: str, snapshot_time: str, record: dict[str, Any]) -> Path:
        path = self.path_for(site, snapshot_time)
        fd = self._fds.get(path)
        if fd is None:
            fd = self._fds[path] = self._open(path)
        append_whole(fd, dumps_line(record))
        if self.fsync:
            os.fsync(fd)
        return path

    def _open(self, path: Path) -> int:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file():  # not a device or a pipe: nothing to repair there
            cut = repair_torn_tail(path)
            if cut:
                self.repaired.append((path, cut))
                logger.warning(
                    "Repaired %s: cut a torn last line of %d bytes (kept in %s.torn)",
                    path,
                    cut,
                    path.name,
                )
        return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()


def stopper(crawler: Crawler) -> Callable[[str], object]:
    """A function that closes the crawl with a finish reason."""

    def stop(reason: str) -> object:
        assert crawler.engine is not None
        return deferred_from_coro(crawler.engine.close_spider_async(reason=reason))

    return stop


def recover_unrecorded(writer: ArchiveWriter, state: CrawlState, stats: StatsCollector) -> None:
    """Record the snapshots of the writer's two newest files of the site (a run killed just
    after midnight wrote into both) that the crawl state does not know."""
    for path in writer.own_files(state.site)[-2:]:
        recorded = record_unknown_lines(path, state)
        if recorded:
            stats.inc_value("snapshot/archive/recovered", recorded)
            logger.warning(
                "%s: %d snapshots were archived by a process killed before it recorded them; "
                "the crawl state knows them now",
                path,
                recorded,
            )


def record_unknown_lines(path: Path, state: CrawlState) -> int:
    """Record in the crawl state every snapshot of an archive file that it does not know (a
    newer line than its record of the URL); returns how many."""
    recorded = 0
    for record in archive_lines(path):
        known = state.store.article(url_key(record["url"]))
        if known is None or (
            known.content_hash != record["content_hash"]
            and datetime.fromisoformat(known.snapshot_time)
            < datetime.fromisoformat(record["snapshot_time"])
        ):
            state.record_archived(record, signature(record["content"]), as_original=True)
            recorded += 1
    return recorded


class ArchivePipeline:
    """Writes every item that reached this stage to the JSONL archive, flushed per item. When
    the archive cannot be written (disk full), the failed line is taken back out, the item is
    not recorded as archived, and the crawl stops (finish reason ``archive_failed``, exit
    status 3) rather than fetch pages it cannot keep."""

    def __init__(
        self,
        writer: ArchiveWriter,
        stats: StatsCollector,
        signals: SignalManager,
        state: CrawlState | None = None,
        stop: Callable[[str], object] | None = None,
    ) -> None:
        self.writer = writer
        self.stats = stats
        self.signals = signals
        self.state = state
        self.stop = stop

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        settings = crawler.settings
        if not settings.getbool("SNAPSHOT_ARCHIVE_ENABLED"):
            raise NotConfigured("SNAPSHOT_ARCHIVE_ENABLED is off")
        assert crawler.stats is not None
        state = crawler.get_extension(CrawlState)
        writer = ArchiveWriter(
            project_path(settings["SNAPSHOT_ARCHIVE_DIR"]),
            settings.getbool("SNAPSHOT_ARCHIVE_FSYNC"),
            state.worker if state is not None else None,
        )
        return cls(writer, crawler.stats, crawler.signals, state, stopper(crawler))

    def open_spider(self, spider: Spider | None = None) -> None:
        state = self.state
        if state is None or not state.persistent or state.reset or state.locked_out:
            return
        recover_unrecorded(self.writer, state, self.stats)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        # shallow: ItemAdapter.asdict() walks every value, and costs ten times as much
        record = dict(ItemAdapter(item))
        repaired = len(self.writer.repaired)
        try:
            path = self.writer.write(record["site"], record["snapshot_time"], record)
        except OSError as exc:
            self.stats.inc_value("snapshot/archive/write_failed")
            logger.error(
                "Cannot write the archive: %s; %s not archived, the crawl stops", exc, record["url"]
            )
            if self.stop is not None:
                self.stop("archive_failed")
            raise
        self.signals.send_catch_log(signal=snapshot_archived, item=item)
        if len(self.writer.repaired) > repaired:
            self.stats.inc_value("snapshot/archive/torn_repaired")
        self.stats.inc_value("snapshot/archive/written")
        self.stats.set_value("snapshot/archive/last_file", str(path))
        return item

    def close_spider(self, spider: Spider | None = None) -> None:
        self.writer.close()
