"""Crawl state: per article URL, the archived version and its times, kept across runs."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from snapshot_crawler.state import (
    ArticleRecord,
    MemoryStore,
    Original,
    StateError,
    open_duplicate_index,
    open_store,
)
from snapshot_crawler.state.lock import SiteLock
from snapshot_crawler.state.redis import RedisStore
from snapshot_crawler.state.sqlite import KeyTable, SqliteDuplicateIndex, SqliteStore
from snapshot_crawler.warc import Capture
from tests.test_demo_crawl import archived, crawl_demo

URL = "https://a.example/1"


@pytest.mark.parametrize("kind", ["memory", "sqlite", "redis"])
def test_versions_and_fetch_times(
    tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("redis_url") if kind == "redis" else ""
    store = MemoryStore() if kind == "memory" else open_store(str(tmp_path), "demo", url=url)
    assert store.article(URL) is None and store.article_count() == 0
    assert (
        store.record_snapshot(URL, "h1", "2024-02-14T08:00:00+08:00", "2024-02-14T05:21:00+08:00")
        == 1
    )
    store.record_fetch(URL, "2024-02-15T08:00:00+08:00")  # fetched again, unchanged
    assert store.article(URL) == ArticleRecord(
        "h1", 1, "2024-02-14T08:00:00+08:00", "2024-02-14T08:00:00+08:00",
        "2024-02-14T05:21:00+08:00", "2024-02-15T08:00:00+08:00",
    )  # fmt: skip
    assert store.record_snapshot(URL, "h2", "2024-02-16T08:00:00+08:00", None) == 2
    assert store.article(URL) == ArticleRecord(
        "h2", 2, "2024-02-16T08:00:00+08:00", "2024-02-14T08:00:00+08:00",
        "2024-02-14T05:21:00+08:00", "2024-02-16T08:00:00+08:00",
    )  # fmt: skip
    store.record_fetch("https://a.example/unknown", "2024-02-16T09:00:00+08:00")
    assert store.article("https://a.example/unknown") is None
    assert store.article_count() == 1
    store.close()


def test_sqlite_store_persists_across_instances_and_resets(tmp_path: Path) -> None:
    store = open_store(str(tmp_path), "demo")
    assert isinstance(store, SqliteStore) and store.path == tmp_path / "demo.sqlite3"
    store.record_snapshot(URL, "h1", "2024-02-14T08:45:06+08:00", None)
    store.close()
    reopened = open_store(str(tmp_path), "demo")
    record = reopened.article(URL)
    assert record is not None and record.content_hash == "h1"
    reopened.close()
    fresh = open_store(str(tmp_path), "demo", reset=True)
    assert fresh.article(URL) is None
    fresh.close()


def test_sqlite_store_uses_wal_and_commits_every_record(tmp_path: Path) -> None:
    store = open_store(str(tmp_path), "demo")
    store.record_snapshot(URL, "h1", "2024-02-14T08:45:06+08:00", None)
    # another connection sees the record while the crawl's is still open: nothing waits
    # for a close that a killed process would never reach
    other = sqlite3.connect(tmp_path / "demo.sqlite3")
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert other.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    other.close()
    store.close()


def test_empty_directory_means_memory_for_one_run() -> None:
    assert isinstance(open_store("", "demo"), MemoryStore)


def test_site_lock_is_exclusive_and_dies_with_its_process(tmp_path: Path) -> None:
    path = tmp_path / "demo.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path;"
            "from snapshot_crawler.state.lock import SiteLock;"
            f"assert SiteLock(Path({str(path)!r})).acquire(); print('held', flush=True);"
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        lock = SiteLock(path)
        assert not lock.acquire()
        assert lock.holder() == str(holder.pid)
    finally:
        holder.kill()  # SIGKILL: no chance to clean up, yet the kernel drops the lock
        holder.wait()
    assert lock.acquire()
    assert not SiteLock(path).acquire()  # held by this process now
    lock.release()
    assert SiteLock(path).acquire()


def test_key_table_is_a_multimap_that_grows_and_saves(tmp_path: Path) -> None:
    table = KeyTable(capacity=8)
    table.add((key, key % 7 + 1) for key in range(1, 2000))
    table.add([(5, 100)])  # a second id under a key
    assert table.size == 2000
    assert table.get([5]) == {6, 100}
    assert table.get([5, 13, 999_999]) == {6, 100, 7}
    table.save(tmp_path / "t.keys", last_id=42)
    loaded, last_id = KeyTable.load(tmp_path / "t.keys")
    assert last_id == 42 and loaded.get([5]) == {6, 100} and loaded.size == 2000
    assert KeyTable.load(tmp_path / "missing.keys")[1] == 0


def test_duplicate_index_is_shared_saved_and_catches_up_with_other_crawls(
    tmp_path: Path,
) -> None:
    story = tuple(range(100, 136))
    first = open_duplicate_index(str(tmp_path))
    assert open_duplicate_index(str(tmp_path)) is first  # one per process, for crawlall
    first.close()
    first.add(Original("https://a.example/1", "a", "2024-02-14T08:00:00+08:00"), "h1", story)
    # another crawl (another process: another connection) writes an original meanwhile
    other = SqliteDuplicateIndex(tmp_path / "duplicates.sqlite3")
    other.add(Original("https://b.example/2", "b", "2024-02-14T09:00:00+08:00"), "h2", None)
    assert [o.url for o in first.exact("h2")] == ["https://b.example/2"]
    assert [o.url for o, _ in first.candidates(story)] == ["https://a.example/1"]
    other.close()
    first.close()  # its last user: the key table is saved beside the database
    assert (tmp_path / "duplicates.sqlite3.keys").is_file()
    reopened = open_duplicate_index(str(tmp_path))
    assert [o.url for o in reopened.exact("h1")] == ["https://a.example/1"]
    assert [sig for _, sig in reopened.candidates(story)] == [story]
    reopened.close()


def test_redis_state_is_shared_by_workers_and_resets_one_site(redis_url: str) -> None:
    story = tuple(range(100, 136))
    worker, other = open_store("", "demo", url=redis_url), open_store("", "demo", url=redis_url)
    assert isinstance(worker, RedisStore)
    worker.record_snapshot(URL, "h1", "2024-02-14T08:45:06+08:00", None)
    assert other.record_snapshot(URL, "h2", "2024-02-15T08:45:06+08:00", None) == 2
    capture = Capture("<urn:uuid:1>", "sha1:X", URL, "2024-02-14T00:45:06Z", "demo/a.warc.gz")
    other.record_capture(URL, capture)
    assert worker.capture(URL) == capture and worker.article_count() == 1
    elsewhere = open_store("", "another", url=redis_url)
    elsewhere.record_snapshot(URL, "h1", "2024-02-14T08:45:06+08:00", None)
    fresh = open_store("", "demo", reset=True, url=redis_url)
    assert fresh.article(URL) is None and fresh.capture(URL) is None
    assert elsewhere.article_count() == 1  # only the reset site starts over
    for store in (worker, other, elsewhere, fresh):
        store.close()

    first, second = (open_duplicate_index("", url=redis_url) for _ in range(2))
    first.add(Original("https://a.example/1", "a", "2024-02-14T08:00:00+08:00"), "h1", story)
    second.add(Original("https://b.example/2", "b", "2024-02-14T09:00:00+08:00"), "h1", None)
    near = story[:3] + tuple(range(900, 933))  # shares the first band only
    second.add(Original("https://c.example/3", "c", "2024-02-14T10:00:00+08:00"), "h3", near)
    assert [o.url for o in second.exact("h1")] == ["https://a.example/1", "https://b.example/2"]
    assert [(o.url, sig) for o, sig in first.candidates(story)] == [
        ("https://a.example/1", story),
        ("https://c.example/3", near),
    ]
    assert first.exact("h4") == [] and first.candidates(tuple(range(36))) == []
    first.close()
    second.close()


def test_a_redis_server_that_does_not_answer_is_a_state_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(StateError, match="cannot be used"):
        open_store("", "demo", url=f"redis://127.0.0.1:{port}/0")


def test_a_corrupt_state_stops_the_crawl_with_a_clear_error_and_is_kept(tmp_path: Path) -> None:
    state = tmp_path / "state" / "demo.sqlite3"
    state.parent.mkdir()
    garbage = bytes(range(256)) * 20
    state.write_bytes(garbage)
    result = crawl_demo(tmp_path)
    assert result.returncode == 1
    assert f"the crawl state {state} cannot be used (file is not a database)" in result.stderr
    assert state.read_bytes() == garbage  # left for the user: nothing is lost
    assert not list(tmp_path.glob("demo/*.jsonl"))  # and nothing was crawled without it
    with pytest.raises(StateError, match="SNAPSHOT_STATE_RESET"):
        open_store(str(tmp_path / "state"), "demo")


def test_a_state_locked_by_another_program_loses_nothing(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "state"), "demo")  # the state exists, empty
    store.close()
    other = sqlite3.connect(tmp_path / "state" / "demo.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock all crawl long
    try:
        held = crawl_demo(tmp_path, "SNAPSHOT_STATE_TIMEOUT=0.1")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert held.returncode == 3  # errors logged: the run says it failed
    assert "could not be written (database is locked)" in held.stderr
    assert len(archived(tmp_path)) == 34  # the archive got every snapshot all the same
    again = crawl_demo(tmp_path)  # the lock is gone: the state learns what the archive holds
    assert again.returncode == 0, again.stderr[-3000:]
    assert "'snapshot/archive/recovered': 34" in again.stderr
    assert len(archived(tmp_path)) == 34  # and nothing is archived twice
