"""Reposts across sites: pages written here, under several sites' templates, replayed through
the spider and pipelines; copies point to the first snapshot of their story."""

from __future__ import annotations

import html
import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from snapshot_crawler.extract import fingerprint
from snapshot_crawler.extract.article import extract_signed
from snapshot_crawler.extract.fingerprint import remember, signature, similarity
from snapshot_crawler.extract.text import DEFAULT_BOILERPLATE_PATTERNS
from snapshot_crawler.items import Snapshot
from snapshot_crawler.pipelines.dedup import find_original
from snapshot_crawler.pipelines.normalize import NormalizePipeline
from snapshot_crawler.state import MemoryDuplicateIndex, Original
from tests.conftest import ROOT
from tests.pipeline_helpers import make_crawler
from tests.test_replay import items, replay

STORY = [
    "本报讯 清河市今年启动的河道综合治理工程日前全面完工,沿线二十三公里河岸完成生态修复。",
    "工程由市水务局牵头实施,总投资约四点二亿元,历时十四个月。",
    "治理前,清河中段常年淤积,汛期排水不畅,周边居民多次反映河水异味问题。",
    "施工方采用分段截流、清淤疏浚和生态护坡相结合的方式,共清理淤泥四十八万立方米。",
    "沿岸新建的六座雨污分流泵站已投入运行,每日可截流处理污水三万吨。",
    "市水务局副局长周明介绍,工程特别注重保留原有的水生植物群落。",
    "在下游湿地段,施工人员移栽了芦苇、菖蒲等本地植物,为鸟类留出栖息空间。",
    "监测数据显示,完工后河道主要断面水质已由劣五类提升至四类。",
    "家住河西社区的居民王女士说,现在傍晚沿河散步的人明显多了。",
    "配套建设的滨河步道全长十一公里,沿途设置了十二处休憩点和三座观景平台。",
    "步道还接入了城市慢行系统,与两条公交线路和四个共享单车站点相连。",
    "下一步,清河市将建立河长巡查和水质在线监测相结合的长效管护机制。",
    "按照计划,明年将启动清河上游支流的治理,力争三年内实现全流域水质达标。",
    "有关专家表示,河道治理不仅要治水,更要兼顾防洪、生态和市民休闲需求。",
]
SAME_TOPIC = [
    *STORY[:2],
    "据了解,工程竣工验收将于下月进行,验收合格后将移交属地街道管理养护。",
    "验收小组由水利、环保、园林等部门的专家组成,将逐段核查工程质量。",
    "对于验收中发现的问题,施工单位须在三十日内完成整改并提交书面报告。",
    "工程档案资料也将同步整理归档,作为今后维护管理的重要依据。",
    "市财政局表示,工程资金使用情况将接受审计部门的专项审计。",
    "目前,审计组已进驻项目现场,重点检查招投标和资金拨付环节。",
    "此外,市里还将组织第三方机构对治理效果开展为期一年的跟踪评估。",
    "评估内容包括水质变化、生物多样性恢复和周边居民满意度等指标。",
    "评估结果将向社会公开,接受市民监督。",
    "市民如发现河道保洁问题,可拨打城市服务热线反映。",
]
BRIEF_LEAD = "本报讯 记者从市气象局获悉,"
BRIEFS = [
    BRIEF_LEAD + "明天白天我市多云转阴,最高气温十八摄氏度。",
    BRIEF_LEAD + "本周末我市将迎来一次明显降温过程,请注意添衣。",
]

# Four sites' templates: the same article text sits in different page furniture.
TEMPLATES = {
    "qinghe.example": (
        '<div class="nav"><a href="/">首页</a><a href="/news/">新闻</a></div>'
        '<div class="article"><h1>{title}</h1><div class="info">来源:清河日报</div>{body}</div>'
        '<div class="footer">清河日报社版权所有</div>'
    ),
    "portal.example": (
        '<div id="top"><a href="/">门户首页</a></div><article><h1 class="t">{title}</h1>'
        '<p class="from">本文转自:清河日报</p>{body}<p class="editor">责任编辑:李明</p></article>'
        '<div class="related"><h3>相关新闻</h3><ul><li><a href="/n/1.html">另一条新闻的标题在这里</a>'
        "</li></ul></div>"
    ),
    "kuaikan.example": (
        '<table width="100%"><tr><td class="main"><div class="title">{title}</div>'
        '<div class="content">{body}</div></td><td class="side"><a href="/hot">热点</a></td></tr>'
        "</table>"
    ),
    "daily.example": (
        '<header><a href="/">每日看点</a></header><main><h1>{title}</h1>'
        '<section class="text">{body}</section></main><footer>联系我们</footer>'
    ),
}


def page(host: str, title: str, sentences: list[str]) -> str:
    body = "".join(f"<p>{html.escape(s)}</p>" for s in sentences)
    frame = TEMPLATES[host].format(title=html.escape(title), body=body)
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="publishdate" content="2024-02-14 05:21:00"></head><body>{frame}</body></html>'
    )


def edited(sentences: list[str]) -> list[str]:
    """A repost with two of fourteen sentences rewritten and its lead shortened."""
    copy = list(sentences)
    copy[3] = "施工中采用了分段截流和生态护坡等多种工艺,累计清淤近五十万立方米。"
    copy[9] = "新建的滨河步道长约十一公里,设有多处休憩点和观景平台。"
    copy[0] = copy[0].removeprefix("本报讯 ")
    return copy


PAGES = {  # url -> (host, title, sentences), in the order they are archived
    "https://qinghe.example/2024/0214/river.html": ("qinghe.example", "清河河道治理完工", STORY),
    "https://portal.example/n/8841.html": ("portal.example", "清河河道治理完工_门户网", STORY),
    "https://kuaikan.example/a/77.html": ("kuaikan.example", "清河治理完工", edited(STORY)),
    "https://daily.example/p/5.html": ("daily.example", "清河:河道治理全面完工", STORY[1:]),
    "https://qinghe.example/2024/0215/audit.html": ("qinghe.example", "河道工程将验收", SAME_TOPIC),
    "https://qinghe.example/2024/0214/weather.html": ("qinghe.example", "明日天气", BRIEFS[:1]),
    "https://daily.example/p/6.html": ("daily.example", "周末降温", BRIEFS[1:]),
}


def replay_pages(tmp_path: Path, *settings: str) -> dict[str, dict[str, Any]]:
    manifest = []
    for n, (url, (host, title, sentences)) in enumerate(PAGES.items()):
        path = tmp_path / f"{n}.html"
        path.write_text(page(host, title, sentences), encoding="utf-8")
        stamp = f"2024-02-14T08:{n:02d}:00+08:00"
        manifest.append({"url": url, "path": path.name, "snapshot_time": stamp})
    (tmp_path / "manifest.jsonl").write_text(
        "".join(json.dumps(m) + "\n" for m in manifest), encoding="utf-8"
    )
    out = tmp_path / "items.jsonl"
    # one page at a time, so the pages are archived in manifest order
    args = ["-s", "CONCURRENT_REQUESTS=1", *(a for s in settings for a in ("-s", s))]
    result = replay(tmp_path / "manifest.jsonl", out, *args)
    assert result.returncode == 0, result.stderr[-3000:]
    return {str(item["url"]): item for item in items(out)}


def test_copies_point_to_the_first_snapshot_and_distinct_articles_do_not(tmp_path: Path) -> None:
    by_url = replay_pages(tmp_path)
    original = "https://qinghe.example/2024/0214/river.html"
    marks = {url: (item["duplicate_of"], item["similarity"]) for url, item in by_url.items()}
    assert marks[original] == (None, None)
    # the same text under another template is the same normalized content: an exact copy
    assert marks["https://portal.example/n/8841.html"] == (original, 1.0)
    for near in ("https://kuaikan.example/a/77.html", "https://daily.example/p/5.html"):
        assert marks[near][0] == original
        assert 0.5 <= marks[near][1] < 1.0
    for distinct in (
        "https://qinghe.example/2024/0215/audit.html",  # the same first paragraph only
        "https://qinghe.example/2024/0214/weather.html",  # briefs sharing a lead
        "https://daily.example/p/6.html",
    ):
        assert marks[distinct] == (None, None), distinct
    assert len(by_url) == len(PAGES)


def test_the_duplicates_report_lists_each_story_with_its_reposts(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    replay_pages(tmp_path, "SNAPSHOT_ARCHIVE_ENABLED=1", f"SNAPSHOT_ARCHIVE_DIR={archive}")
    command = [sys.executable, "-m", "scrapy", "duplicates", str(archive)]
    report = subprocess.run([*command, "--json"], cwd=ROOT, capture_output=True, text=True)
    assert report.returncode == 0, report.stderr[-3000:]
    clusters = json.loads(report.stdout)
    assert len(clusters) == 1
    story = clusters[0]
    assert story["story"] == "清河河道治理完工"
    assert story["first"] == {
        "url": "https://qinghe.example/2024/0214/river.html",
        "site": "qinghe.example",
        "snapshot_time": "2024-02-14T08:00:00+08:00",
    }
    assert [
        (r["site"], r["snapshot_time"][11:16], r["similarity"] == 1.0) for r in story["reposts"]
    ] == [
        ("portal.example", "08:01", True),
        ("kuaikan.example", "08:02", False),
        ("daily.example", "08:03", False),
    ]
    table = subprocess.run(command, cwd=ROOT, capture_output=True, text=True).stdout
    assert table.splitlines()[0] == "清河河道治理完工  (3 reposts)"
    assert (
        "  repost  portal.example   2024-02-14T08:01:00+08:00  1.000  https://portal.example/n/8841.html"
        in table
    )
    assert table.rstrip().endswith("stories with reposts: 1")


def test_the_drop_policy_archives_only_the_first_copy(tmp_path: Path) -> None:
    by_url = replay_pages(tmp_path, "SNAPSHOT_DUPLICATES=drop")
    assert sorted(by_url) == sorted(
        [
            "https://qinghe.example/2024/0214/river.html",
            "https://qinghe.example/2024/0215/audit.html",
            "https://qinghe.example/2024/0214/weather.html",
            "https://daily.example/p/6.html",
        ]
    )


def text(sentences: list[str]) -> str:
    return "\n".join(sentences)


def test_similarities_of_the_written_texts() -> None:
    story = signature(text(STORY))
    assert story is not None
    for copy, low in ((edited(STORY), 0.6), (STORY[1:], 0.75)):
        other = signature(text(copy))
        assert other is not None and similarity(story, other) >= low
    same_topic = signature(text(SAME_TOPIC))
    assert same_topic is not None and similarity(story, same_topic) < 0.3
    assert signature(BRIEFS[0]) is None  # too short for near matching


@pytest.mark.parametrize("with_own_url", [True, False])
def test_a_snapshot_is_never_its_own_duplicate(with_own_url: bool) -> None:
    index = MemoryDuplicateIndex()
    sig = signature(text(STORY))
    assert sig is not None
    url = "https://qinghe.example/2024/0214/river.html"
    index.add(Original(url, "qinghe", "2024-02-14T08:00:00+08:00"), "h", sig)
    own = url if with_own_url else "https://portal.example/n/1.html"
    match = find_original(index, own, "h", sig, 0.5)
    assert (match is None) == with_own_url


def test_the_signature_signed_beside_the_extractor_is_the_one_the_dedup_stage_takes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paragraphs = "".join(f"<p>{sentence}</p>" for sentence in STORY)
    body = f"<html><body><h1>清河治理完工</h1>{paragraphs}<p>责任编辑：张三</p></body></html>"
    patterns = (*DEFAULT_BOILERPLATE_PATTERNS, r"^本站提示")
    now = datetime(2024, 2, 14, 8, 45, tzinfo=timezone.utc)
    page, signed = extract_signed(
        body.encode(), "https://a.example/1.html", patterns, now=now, default_tz=timezone.utc
    )
    crawler = make_crawler({"SNAPSHOT_BOILERPLATE_EXTRA_PATTERNS": [r"^本站提示"]})
    item = Snapshot(url="https://a.example/1.html", title="t", content=page.fields["content"])
    NormalizePipeline.from_crawler(crawler).process_item(item)
    assert item.content and "责任编辑" not in item.content
    assert signed == (item.content_hash, signature(item.content))  # as the pipeline will see it
    remember(signed)

    def not_again(features: object) -> None:
        raise AssertionError("signed twice")

    monkeypatch.setattr(fingerprint, "minhash", not_again)
    assert signature(item.content, item.content_hash) == signed[1]
