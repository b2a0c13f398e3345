"""Raw captures: the demo crawl's WARC files, revisits, torn tails, and replays from WARC."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from snapshot_crawler.warc import HttpExchange, WarcWriter, payload_digest, record_ends
from tests.conftest import ROOT
from tests.test_demo_crawl import archived, crawl_demo
from tests.test_replay import items, replay

# what differs between a crawl and a replay of its capture: when, and where, it was taken
RUN_FIELDS = {"snapshot_time", "warc_file", "warc_record_id", "version", "previous_snapshot_time"}


def records(path: Path) -> list[Any]:
    with path.open("rb") as f:
        return [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.rec_headers)
            for r in ArchiveIterator(f)
        ]


def warcio_cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from warcio.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def crawled_twice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any], list[Any]]:
    """The demo crawled, then crawled again with every article re-fetched (and unchanged)."""
    work = tmp_path_factory.mktemp("warc")
    first = crawl_demo(work)
    assert first.returncode == 0, first.stderr[-3000:]
    (warc,) = (work / "warc" / "demo").glob("*.warc.gz")
    after_first = records(warc)
    again = crawl_demo(work, "SNAPSHOT_INCREMENTAL_ENABLED=0")
    assert again.returncode == 0, again.stderr[-3000:]
    return work, after_first, records(warc)[len(after_first) :]


def test_a_crawl_writes_warcs_that_warcio_accepts(crawled_twice: Any) -> None:
    work, first, _ = crawled_twice
    # the demo is read from disk: file:// pages are resource records (HTTP pages get request
    # and response records: tests/test_cron_runs.py)
    assert [kind for kind, _, _ in first] == ["resource"] * 34
    for _, url, headers in first:
        assert url.startswith("file://") and headers.get_header("WARC-Date")
        assert headers.get_header("WARC-Payload-Digest").startswith("sha1:")
        assert headers.get_header("Content-Type").startswith("text/html")
    (warc,) = (work / "warc" / "demo").glob("*.warc.gz")
    check = warcio_cli("check", "-v", str(warc))
    assert check.returncode == 0 and "fail" not in check.stdout, check.stdout + check.stderr
    index = warcio_cli("index", str(warc))
    assert index.returncode == 0 and len(index.stdout.splitlines()) == 68


def test_an_unchanged_refetch_is_written_as_revisits_only(crawled_twice: Any) -> None:
    _, first, second = crawled_twice
    assert [kind for kind, _, _ in second] == ["revisit"] * 34
    originals = {h.get_header("WARC-Record-ID"): h for _, _, h in first}
    for kind, url, headers in second:
        if kind == "revisit":
            original = originals[headers.get_header("WARC-Refers-To")]
            assert original.get_header("WARC-Target-URI") == url
            assert headers.get_header("WARC-Payload-Digest") == original.get_header(
                "WARC-Payload-Digest"
            )
            assert "identical-payload-digest" in headers.get_header("WARC-Profile")


def test_each_snapshot_names_its_capture(crawled_twice: Any) -> None:
    work, first, _ = crawled_twice
    by_id = {h.get_header("WARC-Record-ID"): url for _, url, h in first}
    snapshots = archived(work)
    assert len(snapshots) == 34
    for snapshot in snapshots:
        assert snapshot["warc_file"].startswith("demo/demo-")
        assert by_id[snapshot["warc_record_id"]] == snapshot["url"]


def test_replaying_the_warcs_gives_the_archived_snapshots(
    crawled_twice: Any, tmp_path: Path
) -> None:
    work, _, _ = crawled_twice
    out = tmp_path / "items.jsonl"
    result = replay(work / "warc", out, "-a", "site=demo")
    assert result.returncode == 0, result.stderr[-3000:]
    replayed = items(out)
    # each article's resource record and its revisit are replayed; the revisit, the same page
    # again, is dropped as unchanged, as in the crawl
    assert len(replayed) == 34
    assert "'snapshot/dedup/unchanged': 34" in result.stderr
    crawled = {s["url"]: s for s in archived(work)}
    for item in replayed:
        expected = {k: v for k, v in crawled[str(item["url"])].items() if k not in RUN_FIELDS}
        assert {k: v for k, v in item.items() if k not in RUN_FIELDS} == expected


def exchange(body: bytes, n: int = 0) -> HttpExchange:
    return HttpExchange(
        url=f"https://news.example/{n}.html",
        method="GET",
        request_headers=[("User-Agent", "test")],
        status=200,
        reason="OK",
        response_headers=[
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),
        ],
        body=body,
        fetched=datetime(2024, 2, 14, 0, 45, 6, tzinfo=timezone.utc),
    )


def test_a_torn_tail_is_cut_when_the_file_is_reopened(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, max_size=1 << 30)
    first = writer.write("site", exchange(b"<p>one</p>"), None)
    writer.close()
    path = tmp_path / first.file
    whole = path.stat().st_size
    with path.open("ab") as f:  # a capture cut short by a kill
        f.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" + os.urandom(5000))[:300])
    assert record_ends(path) == (whole, False)
    reopened = WarcWriter(tmp_path, max_size=1 << 30)
    second = reopened.write("site", exchange(b"<p>two</p>", 1), None)
    reopened.close()
    assert second.file == first.file and reopened.repaired == [(path, 300)]
    assert record_ends(path)[1]
    assert [kind for kind, _, _ in records(path)] == ["response", "request"] * 2
    assert (tmp_path / "site" / (path.name + ".torn")).stat().st_size == 300


def test_files_rotate_by_size_and_the_payload_headers_describe_the_body(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, max_size=1)  # every capture fills a file
    first = writer.write("site", exchange(b"<p>one</p>"), None)
    second = writer.write("site", exchange(b"<p>one</p>"), first)
    writer.close()
    assert first.file != second.file and second.revisit and not first.revisit
    assert first.payload_digest == payload_digest(b"<p>one</p>")
    with (tmp_path / first.file).open("rb") as f:
        response = next(r for r in ArchiveIterator(f) if r.rec_type == "response")
        headers = dict(response.http_headers.headers)
        assert "Content-Encoding" not in headers  # Scrapy had already decoded the body
        assert headers["Content-Length"] == str(len(b"<p>one</p>"))
        assert response.content_stream().read() == b"<p>one</p>"


def test_replay_reads_one_warc_file(tmp_path: Path) -> None:
    body = (ROOT / "fixtures" / "pages" / "wire-like" / "english.html").read_bytes()
    writer = WarcWriter(tmp_path / "warc", max_size=1 << 30)
    capture = writer.write("wire", exchange(body), None)
    writer.close()
    out = tmp_path / "items.jsonl"
    result = replay(tmp_path / "warc" / capture.file, out)
    assert result.returncode == 0, result.stderr[-3000:]
    (item,) = items(out)
    assert item["url"] == "https://news.example/0.html"
    assert item["snapshot_time"] == "2024-02-14T08:45:06+08:00"  # the capture's, in our zone
    assert json.dumps(item["title"])
