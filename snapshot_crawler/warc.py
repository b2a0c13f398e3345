"""Raw captures in WARC (ISO 28500) with warcio: gzipped files of request and response records,
one site a folder, rotated by size, and read back for replays.

Each capture (a request record and its response or revisit record) is built in memory and
appended in one ``write`` on an ``O_APPEND`` descriptor, every record its own gzip member, so a
killed crawl leaves at most its last capture torn; the torn tail is cut off (and kept in a
``.torn`` file) when the file is next opened, as the JSONL archive does.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import BufferWARCWriter

from snapshot_crawler.files import append_whole, cut_tail

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Capture:
    """Where a response was captured: enough to refer to it from a later revisit record."""

    record_id: str
    payload_digest: str
    uri: str
    date: str
    file: str
    """The WARC file's path relative to the WARC folder (``<site>/<name>.warc.gz``)."""
    revisit: bool = False
    """A revisit record: the payload is that of an earlier capture with the same digest."""


@dataclass(frozen=True)
class HttpExchange:
    """One fetched page as WARC records need it."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes
    fetched: datetime


def payload_digest(body: bytes) -> str:
    """The WARC payload digest of a body: ``sha1:`` and its base32 SHA-1, as warcio writes it."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_date(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def record_ends(path: Path) -> tuple[int, bool]:
    """The offset just after the last whole record of a gzipped WARC file, and whether the file
    ends there (False: a torn tail follows). Every record is its own gzip member, so a record
    is whole when its member is: decompressed to its end, trailer and checksum included."""
    end = 0
    with path.open("rb") as f:
        size = f.seek(0, os.SEEK_END)
        while end < size:
            f.seek(end)
            member = zlib.decompressobj(wbits=31)
            read = 0
            while not member.eof:
                chunk = f.read(1 << 16)
                if not chunk:
                    return end, False
                try:
                    member.decompress(chunk)
                except zlib.error:
                    return end, False
                read += len(chunk)
            end += read - len(member.unused_data)
    return end, True


class WarcWriter:
    """Appends captures to ``<directory>/<site>/<site>-<time>.warc.gz`` (a worker of a crawl
    shared through Redis: ``<site>-<worker>-<time>.warc.gz``), a new file once the current
    one has ``max_size`` bytes; the writer's newest file of a site is reused across runs."""

    def __init__(self, directory: Path, max_size: int, worker: str | None = None) -> None:
        self.directory = directory
        self.max_size = max_size
        self.worker = worker
        self._files: dict[str, tuple[Path, int]] = {}
        self.repaired: list[tuple[Path, int]] = []
        """Files whose torn tail was cut on opening, with the bytes cut."""

    def write(self, site: str, exchange: HttpExchange, previous: Capture | None) -> Capture:
        """Write the exchange's request record and its response record, or a revisit record
        when ``previous`` holds the same payload; returns where it went. A page that did not
        come over HTTP (file://) is a ``resource`` record, without HTTP headers."""
        digest = payload_digest(exchange.body)
        buffer = BufferWARCWriter(gzip=True)
        date = warc_date(exchange.fetched)
        over_http = exchange.url.startswith(("http:", "https:"))
        http = (
            StatusAndHeaders(
                f"{exchange.status} {exchange.reason}".strip(),
                _payload_headers(exchange.response_headers, len(exchange.body)),
                protocol="HTTP/1.1",
            )
            if over_http
            else None
        )
        if previous is not None and previous.payload_digest == digest:
            record = buffer.create_revisit_record(
                exchange.url,
                digest,
                previous.uri,
                previous.date,
                http_headers=http,
                warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": previous.record_id},
            )
        else:
            record = buffer.create_warc_record(
                exchange.url,
                "response" if over_http else "resource",
                payload=io.BytesIO(exchange.body),
                length=len(exchange.body),
                http_headers=http,
                warc_content_type=None if over_http else _content_type(exchange),
                warc_headers_dict={"WARC-Date": date},
            )
        if over_http:
            request = buffer.create_warc_record(
                exchange.url,
                "request",
                payload=io.BytesIO(b""),
                length=0,
                http_headers=StatusAndHeaders(
                    f"{exchange.method} {_request_target(exchange.url)} HTTP/1.1",
                    exchange.request_headers,
                    is_http_request=True,
                ),
                warc_headers_dict={"WARC-Date": date},
            )
            buffer.write_request_response_pair(request, record)
        else:
            buffer.write_record(record)
        path = self._append(site, buffer.get_contents())
        return Capture(
            record.rec_headers.get_header("WARC-Record-ID"),
            digest,
            exchange.url,
            date,
            str(path.relative_to(self.directory)),
            revisit=record.rec_type == "revisit",
        )

    def _append(self, site: str, data: bytes) -> Path:
        path, fd = self._files.get(site) or self._open(site)
        append_whole(fd, data)
        if os.fstat(fd).st_size >= self.max_size:
            os.close(fd)
            del self._files[site]
        return path

    def _open(self, site: str) -> tuple[Path, int]:
        folder = self.directory / site
        folder.mkdir(parents=True, exist_ok=True)
        prefix = f"{site}-{self.worker}" if self.worker else site
        own = re.compile(re.escape(prefix) + r"-\d{20}\.warc\.gz")
        existing = sorted(p for p in folder.glob("*.warc.gz") if own.fullmatch(p.name))
        if existing and existing[-1].stat().st_size < self.max_size:
            path = existing[-1]
            self._repair(path)
        else:
            stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")
            path = folder / f"{prefix}-{stamp}.warc.gz"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._files[site] = (path, fd)
        return path, fd

    def _repair(self, path: Path) -> None:
        end, whole = record_ends(path)
        if whole:
            return
        cut = cut_tail(path, end)
        self.repaired.append((path, cut))
        logger.warning("Repaired %s: cut a torn last record of %d bytes", path, cut)

    def close(self) -> None:
        for _, fd in self._files.values():
            os.close(fd)
        self._files.clear()


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _content_type(exchange: HttpExchange) -> str:
    types = [v for k, v in exchange.response_headers if k.lower() == "content-type"]
    return types[0] if types else "text/html"


def _payload_headers(headers: list[tuple[str, str]], length: int) -> list[tuple[str, str]]:
    """Response headers for the body as captured: Scrapy has already decoded any transfer or
    content encoding, so those headers would misdescribe it."""
    dropped = {"content-encoding", "transfer-encoding", "content-length"}
    kept = [(k, v) for k, v in headers if k.lower() not in dropped]
    return [*kept, ("Content-Length", str(length))]


@dataclass(frozen=True)
class WarcPage:
    """A captured response read back: its URL, when it was fetched, headers and body."""

    url: str
    fetched: str
    headers: list[tuple[str, str]]
    body: bytes


def read_capture(path: Path, offset: int) -> WarcPage:
    """The page held by the response or resource record at ``offset``."""
    with path.open("rb") as f:
        f.seek(offset)
        record = next(iter(ArchiveIterator(f)))
        if record.http_headers:
            headers = record.http_headers.headers
        else:  # a resource record: its own Content-Type is the payload's
            headers = [("Content-Type", record.rec_headers.get_header("Content-Type"))]
        return WarcPage(
            url=record.rec_headers.get_header("WARC-Target-URI"),
            fetched=record.rec_headers.get_header("WARC-Date"),
            headers=headers,
            body=record.content_stream().read(),
        )


@dataclass(frozen=True)
class WarcEntry:
    """A page of WARC files to replay: where it was fetched, when, and the record holding its
    payload (its response record, or for a revisit the response it refers to)."""

    url: str
    fetched: str
    payload_path: Path
    payload_offset: int


def warc_entries(paths: list[Path]) -> Iterator[WarcEntry]:
    """The response, resource and revisit records of WARC files, read in the order given
    (oldest file first, so that a revisit finds the record it refers to)."""
    payloads: dict[str, tuple[Path, int]] = {}
    for path in paths:
        with path.open("rb") as f:
            records = ArchiveIterator(f)
            for record in records:
                headers = record.rec_headers
                url = headers.get_header("WARC-Target-URI")
                if record.rec_type in ("response", "resource"):
                    payload = payloads[headers.get_header("WARC-Record-ID")] = (
                        path,
                        records.get_record_offset(),
                    )
                elif record.rec_type == "revisit":
                    found = payloads.get(headers.get_header("WARC-Refers-To") or "")
                    if found is None:
                        logger.warning("%s: the revisit of %s refers to no record read", path, url)
                        continue
                    payload = found
                else:
                    continue
                yield WarcEntry(url, headers.get_header("WARC-Date"), *payload)
