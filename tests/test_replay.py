"""``scrapy replay``: manifests and folders of saved pages, offline, failures counted."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import DEMO_SITE, ROOT

ARTICLE = DEMO_SITE / "articles" / "guonei" / "20240214-chengshi-gengxin-wendu.html"
GBK_ARTICLE = DEMO_SITE / "articles" / "guonei" / "20240202-baixi-rural-delivery.html"


def replay(source: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "replay", str(source), "-O", str(out), *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def items(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_manifest_pages_keep_their_urls_and_a_missing_file_fails_the_run(tmp_path: Path) -> None:
    (tmp_path / "a.html.gz").write_bytes(gzip.compress(ARTICLE.read_bytes()))
    shutil.copy(GBK_ARTICLE, tmp_path / "b.html")
    manifest = tmp_path / "manifest.jsonl"
    lines = [
        {
            "url": "https://snapshot.example/a",
            "path": "a.html.gz",
            "snapshot_time": "2024-02-14T08:45:06+08:00",
        },
        {
            "url": "https://news.example/b",
            "path": "b.html",
            "encoding": "gbk",
            "truth": {"ignored": True},
        },
        {"url": "https://news.example/missing", "path": "missing.html"},
    ]
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = replay(manifest, tmp_path / "out.jsonl")
    assert result.returncode == 1  # one page could not be read
    assert "missing.html" in result.stderr and "'snapshot/replay/failed': 1" in result.stderr
    by_url = {item["url"]: item for item in items(tmp_path / "out.jsonl")}
    assert set(by_url) == {"https://snapshot.example/a", "https://news.example/b"}
    assert by_url["https://snapshot.example/a"]["snapshot_time"] == "2024-02-14T08:45:06+08:00"
    assert by_url["https://snapshot.example/a"]["reposted_from"] == "经济日报"
    assert by_url["https://news.example/b"]["title"] == "白溪县打通农村寄递物流“最后一公里”"


def test_a_folder_of_pages_replays_every_page_and_writes_no_archive(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    shutil.copytree(DEMO_SITE / "articles" / "world", pages)
    result = replay(
        pages, tmp_path / "out.jsonl", "-s", f"SNAPSHOT_ARCHIVE_DIR={tmp_path / 'archive'}"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    replayed = items(tmp_path / "out.jsonl")
    assert len(replayed) == len(list(pages.glob("*.html"))) == 6
    assert all(str(item["url"]).startswith("file://") for item in replayed)
    assert not (tmp_path / "archive").exists()


def test_a_binary_file_labelled_html_gives_no_snapshot(tmp_path: Path) -> None:
    # a PDF and a PNG served as text/html: skipped and counted, not archived as garbage text
    (tmp_path / "report.html").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    (tmp_path / "photo.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    shutil.copy(ARTICLE, tmp_path / "article.html")
    out = tmp_path / "items.jsonl"
    result = replay(tmp_path, out)
    assert result.returncode == 0, result.stderr[-3000:]
    assert [str(item["url"]).rsplit("/", 1)[1] for item in items(out)] == ["article.html"]
    assert "'snapshot/pages/not_text': 2" in result.stderr
