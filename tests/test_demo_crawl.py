"""End to end: ``scrapy crawl news -a site=demo`` archives every demo article exactly once,
each line valid against the schema and equal to the site's truth."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEMO_SITE, ROOT, scrapy_command

COMPARED = ("title", "category", "publish_time", "source", "reposted_from", "authors", "content")


def crawl_demo(archive: Path, *settings: str) -> subprocess.CompletedProcess[str]:
    """Crawl the demo site into ``archive``, keeping its crawl state beside it."""
    command = scrapy_command(
        "crawl", "news", "-a", "site=demo", work=archive, archive=archive, settings=settings
    )
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def archived(archive: Path) -> list[dict[str, Any]]:
    files = sorted((archive / "demo").glob("*.jsonl"))
    return [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def demo_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    archive = tmp_path_factory.mktemp("archive")
    result = crawl_demo(archive)
    return result, archived(archive)


def test_crawl_succeeds_without_errors(demo_run: Any) -> None:
    result, _ = demo_run
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ERROR" not in result.stderr
    assert "'snapshot/archive/written': 34" in result.stderr


def test_one_valid_snapshot_per_article(
    demo_run: Any, demo_truth: dict[str, Any], validate_line: Any
) -> None:
    _, items = demo_run
    urls = [item["url"] for item in items]
    assert len(urls) == len(set(urls)), "duplicate URLs in the archive"
    assert set(urls) == set(demo_truth)
    for item in items:
        validate_line(item)
        assert item["site"] == "demo"


def test_snapshots_match_the_truth(demo_run: Any, demo_truth: dict[str, Any]) -> None:
    _, items = demo_run
    for item in items:
        truth = demo_truth[item["url"]]
        for name in COMPARED:
            assert item[name] == truth[name], f"{truth['path']} {name}"
        related = [
            {"title": r["title"], "url": (DEMO_SITE / r["path"]).resolve().as_uri()}
            for r in truth["related"]
        ]
        assert item["related"] == related, truth["path"]
        assert item["language"] == ("en" if truth["category"] == "World" else "zh")


def test_special_pages(demo_run: Any, demo_truth: dict[str, Any]) -> None:
    _, items = demo_run
    by_path = {demo_truth[i["url"]]["path"]: i for i in items}
    gbk = by_path["articles/guonei/20240202-baixi-rural-delivery.html"]
    assert gbk["title"] == "白溪县打通农村寄递物流“最后一公里”"
    snapshot_page = by_path["articles/guonei/20240214-chengshi-gengxin-wendu.html"]
    assert snapshot_page["publish_time"] == "2024-02-14T05:21:00+08:00"
    assert snapshot_page["reposted_from"] == "经济日报"
    assert "快照" not in snapshot_page["content"] and "信息原文地址" not in snapshot_page["content"]
    repost = by_path["articles/keji/20240131-tongzhou-digital-repost.html"]
    assert repost["reposted_from"] == "经济日报" and repost["source"] == "每日看点快看"


def test_archive_files_are_named_by_snapshot_date(tmp_path: Path) -> None:
    result = crawl_demo(tmp_path, "SNAPSHOT_TIMEZONE=UTC")
    assert result.returncode == 0, result.stderr[-3000:]
    files = list((tmp_path / "demo").glob("*.jsonl"))
    assert files
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            snapshot_time = json.loads(line)["snapshot_time"]
            assert snapshot_time[:10] == path.stem
            assert snapshot_time.endswith("+08:00")  # the site file's zone beats the setting


def test_a_second_run_archives_nothing_and_a_reset_starts_over(tmp_path: Path) -> None:
    assert crawl_demo(tmp_path).returncode == 0
    again = crawl_demo(tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    # every article is known and older than the re-check window: none is even requested
    assert "'snapshot/incremental/skipped': 34" in again.stderr
    assert "snapshot/pages/article" not in again.stderr
    assert "snapshot/archive/written" not in again.stderr
    # requested anyway, every page is found unchanged
    fetched = crawl_demo(tmp_path, "SNAPSHOT_INCREMENTAL_ENABLED=0")
    assert "'snapshot/dedup/unchanged': 34" in fetched.stderr
    assert "snapshot/archive/written" not in fetched.stderr
    assert len(archived(tmp_path)) == 34
    reset = crawl_demo(tmp_path, "SNAPSHOT_STATE_RESET=1")
    assert "'snapshot/archive/written': 34" in reset.stderr
    assert len(archived(tmp_path)) == 68  # a new snapshot of every article, as asked
