"""Crawl state: what reached the archive, kept across runs in SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from snapshot_crawler.state import MemoryIndex, open_index
from snapshot_crawler.state.sqlite import SqliteIndex


def test_sqlite_index_persists_across_instances_and_resets(tmp_path: Path) -> None:
    index = open_index(str(tmp_path), "demo")
    assert isinstance(index, SqliteIndex) and index.path == tmp_path / "demo.sqlite3"
    assert not index.is_archived("https://a.example/1", "h1")
    index.mark_archived("https://a.example/1", "h1", "2024-02-14T08:45:06+08:00")
    index.mark_archived("https://a.example/1", "h1", "2024-02-14T09:00:00+08:00")  # no error
    index.close()
    reopened = open_index(str(tmp_path), "demo")
    assert reopened.is_archived("https://a.example/1", "h1")
    assert not reopened.is_archived("https://a.example/1", "h2")
    reopened.close()
    fresh = open_index(str(tmp_path), "demo", reset=True)
    assert not fresh.is_archived("https://a.example/1", "h1")
    fresh.close()


def test_sqlite_index_uses_wal_and_commits_every_record(tmp_path: Path) -> None:
    index = open_index(str(tmp_path), "demo")
    index.mark_archived("https://a.example/1", "h1", "t")
    # another connection sees the record while the crawl's is still open: nothing waits
    # for a close that a killed process would never reach
    other = sqlite3.connect(tmp_path / "demo.sqlite3")
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert other.execute("SELECT count(*) FROM archived").fetchone()[0] == 1
    other.close()
    index.close()


def test_empty_directory_means_memory_for_one_run() -> None:
    assert isinstance(open_index("", "demo"), MemoryIndex)
