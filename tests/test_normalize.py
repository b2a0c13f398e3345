"""Text normalization: the snapshot site's conventions (NFKC, one paragraph a line, no chrome)."""

from __future__ import annotations

import hashlib
import re

import pytest
from scrapy.exceptions import DropItem

from snapshot_crawler.extract.text import (
    DEFAULT_BOILERPLATE_PATTERNS,
    clean_line,
    clean_paragraphs,
    compile_boilerplate,
)
from snapshot_crawler.items import RelatedLink, Snapshot
from snapshot_crawler.pipelines.normalize import NormalizePipeline
from tests.pipeline_helpers import make_crawler

BOILERPLATE = compile_boilerplate(DEFAULT_BOILERPLATE_PATTERNS)


def test_nfkc_folds_full_width_but_keeps_chinese_punctuation() -> None:
    assert (
        clean_line("春节前夕，习近平总书记（在天津）：看望。“好”")
        == "春节前夕,习近平总书记(在天津):看望。“好”"
    )
    assert clean_line("ＡＢＣ１２３") == "ABC123"


def test_invisible_characters_removed_and_spaces_folded() -> None:
    assert clean_line("a\u200bb\u200d\ufeffc\x00\x07d") == "abcd"
    assert clean_line("\u3000\u3000第一段\u00a0\u00a0文字\t\t结束  ") == "第一段 文字 结束"
    assert clean_line("lone \ud800 surrogate") == "lone surrogate"


def test_paragraphs_one_per_line_without_empty_lines() -> None:
    text = "第一段\r\n\r\n  \n第二段\u2028第三段\u2029\n\n第四段"
    assert clean_paragraphs(text) == "第一段\n第二段\n第三段\n第四段"


@pytest.mark.parametrize(
    "line",
    [
        "责任编辑：张三",
        "（责编：吴可、钱悦）",
        "【责任编辑：李四】",
        "【纠错】 【责任编辑:王五】",
        "分享到：微信 微博 QQ空间",
        "扫一扫在手机打开当前页",
        "版权声明：本文版权归原作者所有",
        "以上内容为资讯信息快照，由系统自动抓取，不代表本站立场。",
        "快照生成时间：2024-02-14 08:45:06",
        "信息原文地址：http://example.com/a.html",
        "本文转自：经济日报",
        "Editing by Mark Dell",
        "Copyright 2024 Demo News",
        "3 Min Lesezeit",
        "Lesen Sie auch",
        "STR/Getty images",
        "Image Credits: Strava",
        "—Associated Press writer John Leicester in Paris contributed to this report.",
        "Get in touch with our news team by emailing us at webnews@news.example.",
        "Publisert 06.01.2026 - 17:29",
        "Quelle: AFP",
    ],
)
def test_default_boilerplate_lines_removed(line: str) -> None:
    assert (
        clean_paragraphs(f"正文第一段。\n{line}\n正文第二段。", BOILERPLATE)
        == "正文第一段。\n正文第二段。"
    )


@pytest.mark.parametrize(
    "line",
    [
        "记者从市交通局获悉，编辑部将于下月搬迁。",
        "他说：“分享到朋友圈的照片不少。”",
        "本报记者 张三 李四",
        "The copyright dispute went to court on Monday.",
    ],
)
def test_article_lines_that_mention_boilerplate_words_stay(line: str) -> None:
    assert clean_paragraphs(line, BOILERPLATE) == clean_line(line)


@pytest.mark.parametrize(
    ("patterns", "line", "boilerplate"),
    [
        (["^注:"], "注:本文有删节", True),
        (["^注:"], "正文。注:本文有删节", False),  # anchored: tried at the start only
        (["^注:|删节$"], "正文。注:本文有删节", True),  # "|" outside a group: not anchored
        (["^(注|按):"], "正文。按:", False),
        (["删节$", "^注:"], "本文有删节", True),
    ],
)
def test_boilerplate_patterns_match_as_one_search_of_them_all_would(
    patterns: list[str], line: str, boilerplate: bool
) -> None:
    compiled = compile_boilerplate(patterns)
    assert compiled is not None and compiled.has(line) is boilerplate
    one_search = re.compile("|".join(f"(?:{p})" for p in patterns), re.I)
    assert bool(one_search.search(line)) is boilerplate


def snapshot(**fields: object) -> Snapshot:
    values: dict[str, object] = {
        "url": "https://news.example/a.html",
        "title": "标题",
        "content": "正文。",
    }
    values.update(fields)
    return Snapshot(**values)  # type: ignore[arg-type]


def test_pipeline_normalizes_every_text_field_and_sets_the_hash() -> None:
    crawler = make_crawler()
    pipeline = NormalizePipeline.from_crawler(crawler)
    item = snapshot(
        title="  坚持科技创新，和产业创新一起抓\u200b ",
        source="每日看点快看\u3000",
        reposted_from="经济日报（北京）",
        authors=["金观平", " 金观平 ", "", "李\u00a0四"],
        content="　　春节前夕，总书记在天津看望。\n\n责任编辑：张三\n　　第二段（完）",
        related=[
            RelatedLink(title="相关：标题\u200b", url="https://news.example/b.html"),
            RelatedLink(title=" ", url="x"),
        ],
        publish_time_raw="２０２４年２月１４日",
        url="https://news.example/a.html?x=１",
    )
    pipeline.process_item(item)
    assert item.title == "坚持科技创新,和产业创新一起抓"
    assert item.source == "每日看点快看"
    assert item.reposted_from == "经济日报(北京)"
    assert item.authors == ["金观平", "李 四"]
    assert item.content == "春节前夕,总书记在天津看望。\n第二段(完)"
    assert item.related == [{"title": "相关:标题", "url": "https://news.example/b.html"}]
    assert item.publish_time_raw == "2024年2月14日"
    assert item.url == "https://news.example/a.html?x=１"  # identifiers are kept as requested
    assert item.content_hash == hashlib.sha256(item.content.encode()).hexdigest()
    assert crawler.stats is not None and crawler.stats.get_value("snapshot/normalize/items") == 1


def test_pipeline_drops_an_item_that_is_only_boilerplate() -> None:
    crawler = make_crawler()
    pipeline = NormalizePipeline.from_crawler(crawler)
    with pytest.raises(DropItem):
        pipeline.process_item(snapshot(content="责任编辑：张三\n分享到：微信"))
    assert (
        crawler.stats is not None
        and crawler.stats.get_value("snapshot/normalize/dropped_empty") == 1
    )


def test_extra_patterns_extend_the_defaults() -> None:
    crawler = make_crawler({"SNAPSHOT_BOILERPLATE_EXTRA_PATTERNS": [r"^本站提示"]})
    pipeline = NormalizePipeline.from_crawler(crawler)
    item = snapshot(content="正文。\n本站提示:请文明评论\n责任编辑:张三")
    pipeline.process_item(item)
    assert item.content == "正文。"


def test_patterns_can_be_replaced() -> None:
    crawler = make_crawler({"SNAPSHOT_BOILERPLATE_PATTERNS": []})
    item = snapshot(content="正文。\n责任编辑:张三")
    NormalizePipeline.from_crawler(crawler).process_item(item)
    assert item.content == "正文。\n责任编辑:张三"


def test_default_patterns_compile() -> None:
    for pattern in DEFAULT_BOILERPLATE_PATTERNS:
        re.compile(pattern)
