"""``scrapy render``: snapshots in the snapshot site's layout, as text and as HTML pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from lxml import html

from snapshot_crawler.render import render_html, render_text
from tests.conftest import ROOT
from tests.test_demo_crawl import archived, crawl_demo

# the seed page of the snapshot site this project takes its format from, field for field
SEED = """类别:国内 发布时间:2024-02-14 05:21:00 来源:每日看点快看
坚持科技创新和产业创新一起抓
本文转自:经济日报
金观平
春节前夕,习近平总书记在天津看望慰问基层干部群众。
科技创新和产业创新,是发展新质生产力的基本路径。
快照生成时间:2024-02-14 08:45:06
信息原文地址:https://news.example.cn/2024/0214/kjcx.html"""

SNAPSHOT: dict[str, Any] = {
    "url": "https://news.example.cn/2024/0214/kjcx.html",
    "category": "国内",
    "publish_time": "2024-02-14T05:21:00+08:00",
    "source": "每日看点快看",
    "title": "坚持科技创新和产业创新一起抓",
    "reposted_from": "经济日报",
    "authors": ["金观平"],
    "content": "春节前夕,习近平总书记在天津看望慰问基层干部群众。\n"
    "科技创新和产业创新,是发展新质生产力的基本路径。",
    "snapshot_time": "2024-02-14T08:45:06+08:00",
    "language": "zh",
}


def test_text_is_the_seed_layout_field_for_field() -> None:
    assert render_text(SNAPSHOT) == SEED


def test_text_leaves_out_what_a_snapshot_does_not_have() -> None:
    bare = {**SNAPSHOT, "category": None, "reposted_from": None, "authors": []}
    assert render_text(bare).splitlines()[:3] == [
        "发布时间:2024-02-14 05:21:00 来源:每日看点快看",
        "坚持科技创新和产业创新一起抓",
        "春节前夕,习近平总书记在天津看望慰问基层干部群众。",
    ]


def test_html_is_standalone_escaped_and_carries_every_field() -> None:
    hostile = {
        **SNAPSHOT,
        "title": '<script>alert("x")</script>标题',
        "url": 'https://a.example/"x',
    }
    page = render_html(hostile)
    tree = html.fromstring(page)
    assert not tree.xpath("//script") and "<script>alert" not in page
    assert tree.findtext(".//h1") == '<script>alert("x")</script>标题'
    assert not tree.xpath("//*[@src]") and not tree.xpath("//link")  # no remote asset
    assert tree.xpath("//meta[@name='viewport']")
    text = "".join(str(t) for t in tree.itertext())
    for value in ("类别:国内", "2024-02-14 05:21:00", "本文转自:经济日报", "金观平", "08:45:06"):
        assert value in text
    assert tree.xpath("//a/@href") == ['https://a.example/"x']


def test_the_command_selects_and_writes_pages(tmp_path: Path) -> None:
    assert crawl_demo(tmp_path).returncode == 0
    snapshots = archived(tmp_path)
    target = next(s for s in snapshots if s["duplicate_of"])  # the demo's repost
    command = [sys.executable, "-m", "scrapy", "render", str(tmp_path)]
    one = subprocess.run(
        [*command, "--url", target["url"]], cwd=ROOT, capture_output=True, text=True
    )
    assert one.returncode == 0, one.stderr
    assert one.stdout.rstrip("\n") == render_text(target)
    cluster = subprocess.run(
        [*command, "--cluster", target["duplicate_of"], "--html", str(tmp_path / "pages")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    pages = [Path(line) for line in cluster.stdout.splitlines()]
    assert len(pages) == 2  # the first snapshot of the story and its repost
    titles = {html.fromstring(p.read_text(encoding="utf-8")).findtext(".//h1") for p in pages}
    by_url = {s["url"]: s for s in snapshots}
    assert titles == {target["title"], by_url[target["duplicate_of"]]["title"]}
    day = subprocess.run(
        [*command, "--date", "1999-01-01"], cwd=ROOT, capture_output=True, text=True
    )
    assert day.returncode == 0 and day.stdout.strip() == ""
