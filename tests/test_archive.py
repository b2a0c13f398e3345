"""The JSONL archive: one valid JSON document a line, whatever kills the writer."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from scrapy.exceptions import NotConfigured

from snapshot_crawler.extensions.crawl_state import CrawlState
from snapshot_crawler.items import Snapshot
from snapshot_crawler.pipelines.archive import (
    ArchivePipeline,
    ArchiveWriter,
    dumps_line,
    repair_torn_tail,
)
from snapshot_crawler.pipelines.normalize import NormalizePipeline
from tests.conftest import ROOT, scrapy_command
from tests.pipeline_helpers import make_crawler

# Writes records as fast as it can until killed; the test kills it with SIGKILL mid-stream.
WRITER = """
import sys
from pathlib import Path
from snapshot_crawler.pipelines.archive import ArchiveWriter
writer = ArchiveWriter(Path(sys.argv[1]))
text = "正文" * 2000
for n in range(10**9):
    writer.write("site", "2024-02-14T08:45:06+08:00", {"n": n, "content": text})
    if n == 50:
        print("started", flush=True)
"""


def test_line_format_is_utf8_json_and_safe_for_line_readers() -> None:
    line = dumps_line({"title": "标题\u2028第二行\u2029", "x": "\n"})
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert "标题".encode() in line
    text = line.decode("utf-8")
    assert len(text.splitlines()) == 1  # str.splitlines also splits at U+2028/U+2029
    assert json.loads(text) == {"title": "标题\u2028第二行\u2029", "x": "\n"}


def test_an_item_nested_in_a_field_is_written_as_its_fields() -> None:
    nested = Snapshot(url="https://a.example/1.html", title="标题", content="正文")
    line = json.loads(dumps_line({"url": "https://a.example/2.html", "quoted": nested}))
    assert line["quoted"]["title"] == "标题" and line["quoted"]["content"] == "正文"
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps_line({"when": datetime(2024, 2, 14)})


def test_writer_appends_per_site_and_day(tmp_path: Path) -> None:
    writer = ArchiveWriter(tmp_path)
    writer.write("demo", "2024-02-14T08:45:06+08:00", {"n": 1})
    writer.write("demo", "2024-02-15T00:00:01+08:00", {"n": 2})
    writer.write("demo", "2024-02-14T23:59:59+08:00", {"n": 3})
    writer.close()
    assert (tmp_path / "demo" / "2024-02-14.jsonl").read_text().splitlines() == [
        '{"n":1}',
        '{"n":3}',
    ]
    assert (tmp_path / "demo" / "2024-02-15.jsonl").read_text().splitlines() == ['{"n":2}']


def test_torn_tail_is_cut_and_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "demo" / "2024-02-14.jsonl"
    path.parent.mkdir()
    path.write_bytes(b'{"n":1}\n{"n":2}\n{"n":3,"content":"\xe6\xad')
    writer = ArchiveWriter(tmp_path)
    writer.write("demo", "2024-02-14T10:00:00+08:00", {"n": 4})
    writer.close()
    assert [json.loads(x)["n"] for x in path.read_text().splitlines()] == [1, 2, 4]
    assert writer.repaired == [(path, len(b'{"n":3,"content":"\xe6\xad'))]
    assert path.with_name(path.name + ".torn").read_bytes() == b'{"n":3,"content":"\xe6\xad\n'


def test_repair_leaves_intact_files_and_cuts_a_file_without_any_newline(tmp_path: Path) -> None:
    intact = tmp_path / "a.jsonl"
    intact.write_bytes(b'{"n":1}\n')
    assert repair_torn_tail(intact) == 0 and intact.read_bytes() == b'{"n":1}\n'
    torn = tmp_path / "b.jsonl"
    torn.write_bytes(b"x" * 200_000)  # longer than one backwards read
    assert repair_torn_tail(torn) == 200_000 and torn.read_bytes() == b""


def test_sigkill_mid_stream_keeps_every_complete_line(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, env=env
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"started"
    time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    path = tmp_path / "site" / "2024-02-14.jsonl"
    # A torn last line is possible; simulate the worst case on top of the real kill.
    with path.open("ab") as f:
        f.write(b'{"n":-1,"content":"\xe6')
    writer = ArchiveWriter(tmp_path)
    writer.write("site", "2024-02-14T09:00:00+08:00", {"n": "after"})
    writer.close()
    numbers = [json.loads(line)["n"] for line in path.read_text(encoding="utf-8").splitlines()]
    assert numbers[-1] == "after"
    assert numbers[:-1] == list(range(len(numbers) - 1))  # no line lost or damaged before the tear
    assert len(numbers) > 50
    assert writer.repaired and writer.repaired[0][0] == path


def test_pipeline_writes_items_and_counts(tmp_path: Path) -> None:
    crawler = make_crawler({"SNAPSHOT_ARCHIVE_DIR": str(tmp_path)})
    pipeline = ArchivePipeline.from_crawler(crawler)
    item = Snapshot(
        url="https://news.example/a.html",
        title="标题",
        content="正文。",
        site="demo",
        snapshot_time="2024-02-14T08:45:06+08:00",
        content_hash="0" * 64,
    )
    pipeline.process_item(item)
    pipeline.close_spider()
    record = json.loads((tmp_path / "demo" / "2024-02-14.jsonl").read_text(encoding="utf-8"))
    assert record["title"] == "标题" and record["authors"] == [] and next(iter(record)) == "url"
    assert crawler.stats is not None and crawler.stats.get_value("snapshot/archive/written") == 1


def test_archive_can_be_switched_off() -> None:
    with pytest.raises(NotConfigured):
        ArchivePipeline.from_crawler(make_crawler({"SNAPSHOT_ARCHIVE_ENABLED": False}))


def test_lines_archived_by_a_killed_run_are_recorded_in_the_state(tmp_path: Path) -> None:
    """A run killed between writing a line and recording it: the next run learns of it."""
    overrides = {
        "SNAPSHOT_ARCHIVE_DIR": str(tmp_path / "archive"),
        "SNAPSHOT_STATE_DIR": str(tmp_path / "state"),
    }
    crawler = make_crawler(overrides)
    pipeline = ArchivePipeline.from_crawler(crawler)
    for n, day in ((1, "2024-02-13"), (2, "2024-02-14"), (3, "2024-02-14")):
        pipeline.process_item(
            Snapshot(
                url=f"https://news.example/{n}.html",
                title="标题",
                content="正文。",
                content_hash=f"h{n}",
                snapshot_time=f"{day}T08:45:06+08:00",
                site="default",  # the state's name for a crawl without site or start URLs
            )
        )
    pipeline.close_spider()
    first_run = crawler.get_extension(CrawlState)
    assert first_run is not None
    first_run.store.close()  # killed: nothing was recorded, and the kernel freed the lock
    assert first_run.lock is not None
    first_run.lock.release()
    newest = tmp_path / "archive" / "default" / "2024-02-14.jsonl"
    with newest.open("ab") as f:
        f.write(b'{"url": "https://news.example/torn.html", "ti')  # the kill tore this one

    restarted = make_crawler(overrides)
    ArchivePipeline.from_crawler(restarted).open_spider()
    state = restarted.get_extension(CrawlState)
    assert state is not None
    for n in (1, 2, 3):
        assert state.store.article(f"https://news.example/{n}.html") is not None
        # and as originals, so that a repost of them is still found
        assert [o.url for o in state.duplicates.exact(f"h{n}")] == [
            f"https://news.example/{n}.html"
        ]
    assert restarted.stats is not None
    assert restarted.stats.get_value("snapshot/archive/recovered") == 3


def test_hostile_text_leaves_every_line_valid_json(tmp_path: Path) -> None:
    """Control characters, lone surrogates, line separators and a 1 MB title, through the
    normalize and archive stages: each line parses with json.loads and with jq."""
    crawler = make_crawler({"SNAPSHOT_ARCHIVE_DIR": str(tmp_path)})
    normalize = NormalizePipeline.from_crawler(crawler)
    archive = ArchivePipeline.from_crawler(crawler)
    hostile = "\x00\x07\x1b[31m\ud800\udfff\u2028\u2029\x85\ufeff\u200b"
    snapshots = [
        Snapshot(
            url="https://news.example/\udcff.html",  # a manifest URL no stage cleans
            title=f"标题{hostile}" + "长" * 1_000_000,
            content=f"第一段{hostile}正文\u2028第二段\u2029第三段\r\n第四段",
            authors=[f"作者{hostile}"],
            snapshot_time="2024-02-14T08:45:06+08:00",
            site="site",
        ),
        Snapshot(
            url="https://news.example/2.html",
            title="普通标题",
            content="普通正文。",
            snapshot_time="2024-02-14T08:45:06+08:00",
            site="site",
        ),
    ]
    for snapshot in snapshots:
        archive.process_item(normalize.process_item(snapshot))
    archive.close_spider()
    path = tmp_path / "site" / "2024-02-14.jsonl"
    lines = path.read_bytes().split(b"\n")[:-1]
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["title"].startswith("标题") and len(first["title"]) > 1_000_000
    text = first["title"] + first["content"] + first["authors"][0]
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\u200b]", text)
    assert first["content"].split("\n")[-3:] == ["第二段", "第三段", "第四段"]
    assert first["url"] == "https://news.example/\ufffd.html"
    jq = subprocess.run(["jq", "-c", ".url", str(path)], capture_output=True, text=True)
    assert jq.returncode == 0, jq.stderr
    assert jq.stdout.splitlines() == [
        '"https://news.example/\ufffd.html"',
        '"https://news.example/2.html"',
    ]


# Fills the archive up to a file size limit (as a full disk would), then, the limit lifted,
# writes once more.
DISK_FULL = """
import resource, signal, sys
from pathlib import Path
from snapshot_crawler.pipelines.archive import ArchiveWriter
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
writer = ArchiveWriter(Path(sys.argv[1]))
_, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (30000, hard))
written = 0
try:
    while True:
        writer.write("site", "2024-02-14T08:45:06+08:00", {"n": written, "content": "正文" * 700})
        written += 1
except OSError as exc:
    print(written, exc.errno, flush=True)
resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
writer.write("site", "2024-02-14T08:45:06+08:00", {"n": "after", "content": "正文"})
writer.close()
"""


def test_a_write_that_fails_midway_leaves_no_partial_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", DISK_FULL, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    written, error = map(int, result.stdout.split())
    assert written > 0 and error in (errno.EFBIG, errno.ENOSPC)
    lines = (tmp_path / "site" / "2024-02-14.jsonl").read_text(encoding="utf-8").splitlines()
    # the write that hit the limit had put part of its line in: cut off again
    assert [json.loads(line)["n"] for line in lines] == [*range(written), "after"]


def test_a_crawl_whose_archive_cannot_be_written_stops_and_records_nothing_unwritten(
    tmp_path: Path,
) -> None:
    # today's archive file is /dev/full: every write fails with ENOSPC, as on a full disk
    today = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / f"{today}.jsonl").symlink_to("/dev/full")
    command = scrapy_command("crawl", "news", "-a", "site=demo", work=tmp_path, archive=tmp_path)
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 3, result.stderr[-3000:]
    assert "Cannot write the archive: [Errno 28]" in result.stderr
    (run,) = [json.loads(line) for line in (tmp_path / "runs.jsonl").read_text().splitlines()]
    assert run["finish_reason"] == "archive_failed" and run["status"] == "failed"
    assert run["new"] == 0 and run["articles_found"] < 34  # stopped, not crawled to the end
    # nothing reached the archive, so the state records nothing: all is tried again next run
    db = sqlite3.connect(tmp_path / "state" / "demo.sqlite3")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    db.close()
