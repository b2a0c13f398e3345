"""Unit tests of the pure extraction functions: encodings, times, titles, page parts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from snapshot_crawler.extract.article import extract_article
from snapshot_crawler.extract.dates import date_in_url, parse_datetime
from snapshot_crawler.extract.encoding import decode_html, looks_binary
from snapshot_crawler.extract.metadata import split_names, strip_title_suffix

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 3, 5, 12, 0, tzinfo=SHANGHAI)
TEXT = "北屿社区食堂开到家门口，老人吃上热乎饭。"


def test_gbk_read_as_gb18030_from_meta_only() -> None:
    body = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>{TEXT}</body></html>'
    text, codec = decode_html(body.encode("gbk"))
    assert TEXT in text and codec == "gb18030"


def test_header_contradicting_a_valid_meta_loses() -> None:
    body = f'<meta charset="gbk"><p>{TEXT}</p>'.encode("gbk")
    text, codec = decode_html(body, http_charset="utf-8")
    assert TEXT in text and codec == "gb18030"


def test_utf8_page_mislabelled_as_gbk_still_reads_right() -> None:
    text, codec = decode_html(f'<meta charset="gbk"><p>{TEXT}</p>'.encode(), http_charset="gbk")
    assert TEXT in text and codec == "utf-8"


def test_few_invalid_bytes_still_decode_and_bom_wins() -> None:
    body = f'<meta charset="gbk"><p>{TEXT * 20}</p>'.encode("gbk")
    text, codec = decode_html(body[:41] + b"\xff" + body[41:])  # a stray byte between characters
    assert codec == "gb18030" and text.count("北屿社区食堂") >= 19
    assert decode_html(b"\xef\xbb\xbf" + TEXT.encode(), http_charset="latin-1") == (TEXT, "utf-8")


def test_undeclared_gbk_is_detected() -> None:
    assert decode_html(TEXT.encode("gbk"))[0] == TEXT


@pytest.mark.parametrize(
    ("text", "iso", "has_time"),
    [
        ("发布时间：2024-02-14 05:21:00 来源：每日看点快看", "2024-02-14T05:21:00+08:00", True),
        ("2024年2月14日 05:21", "2024-02-14T05:21:00+08:00", True),
        ("2024年02月14日05:21 | 来源：人民网", "2024-02-14T05:21:00+08:00", True),
        ("02-14 05:21", "2024-02-14T05:21:00+08:00", True),
        ("12-31 23:00", "2023-12-31T23:00:00+08:00", True),  # the year that is not in the future
        ("昨天 10:00", "2024-03-04T10:00:00+08:00", True),
        ("3小时前", "2024-03-05T09:00:00+08:00", True),
        ("2024-01-20T08:30:00Z", "2024-01-20T08:30:00+00:00", True),
        ("2024-02-05T16:00:00-05:00", "2024-02-05T16:00:00-05:00", True),
        ("February 5, 2024, 4:00 PM EST", "2024-02-05T16:00:00+08:00", True),
        ("18 February 2024", "2024-02-18T00:00:00+08:00", False),
        ("2024年2月14日 下午3:21", "2024-02-14T15:21:00+08:00", True),
        ("Do 25.02.24 | 14:07 Uhr", "2024-02-25T14:07:00+08:00", True),
        ("am 3.1.2024 um 10:15", "2024-01-03T10:15:00+08:00", True),
    ],
)
def test_parse_datetime(text: str, iso: str, has_time: bool) -> None:
    parsed = parse_datetime(text, SHANGHAI, NOW)
    assert parsed is not None
    assert (parsed.value.isoformat(), parsed.has_time) == (iso, has_time)


def test_no_time_in_the_future_of_the_snapshot() -> None:
    assert parse_datetime("2024-03-06 08:00", SHANGHAI, NOW) is None
    assert parse_datetime("江临市今天发布首批8条低空物流航线", SHANGHAI, NOW) is None


def test_date_in_url() -> None:
    for url in (
        "https://a.cn/2024/02/14/x.html",
        "http://a.cn/n1/2024/0214/c1-1.html",
        "https://a.cn/20240214/x.shtml",
    ):
        found = date_in_url(url, SHANGHAI, NOW)
        assert found is not None and found.date().isoformat() == "2024-02-14"
    assert date_in_url("https://a.cn/news/12345.html", SHANGHAI, NOW) is None


@pytest.mark.parametrize(
    ("title", "bare"),
    [
        ("江临：织密城市生命线安全监测网--时政--人民网", "江临：织密城市生命线安全监测网"),
        ("标题在此处_国内_演示新闻网", "标题在此处"),
        (
            "Harborview completes first phase of tidal flood barrier | Demo News",
            "Harborview completes first phase of tidal flood barrier",
        ),
        ("人民网 - 一个比网站名长得多的新闻标题", "一个比网站名长得多的新闻标题"),
        (
            "Iran: «Die Zurückhaltung hat viel mit den USA zu tun»",
            "Iran: «Die Zurückhaltung hat viel mit den USA zu tun»",
        ),
        ("„Unermüdlicher Einsatz“ – Die Neue Südtiroler Tageszeitung", "„Unermüdlicher Einsatz“"),
    ],
)
def test_strip_title_suffix(title: str, bare: str) -> None:
    # the host's name in a suffix names the site, however many words that suffix has
    assert strip_title_suffix(title, ["www.tageszeitung.it"]) == bare


def test_split_names() -> None:
    assert split_names("By Jane Doe and John Roe") == ["Jane Doe", "John Roe"]
    assert split_names("张三、李四，王五") == ["张三", "李四", "王五"]


PAGE = """<html lang="zh-CN"><head><title>江临发布首批低空物流航线_科技_演示新闻网</title>
<link rel="canonical" href="/tech/a.html"></head><body>
<div class="nav"><a href="/">首页</a><a href="/tech/">科技</a></div>
<div class="breadcrumb">首页 &gt; 科技 &gt; 正文</div>
<h1>江临发布首批低空物流航线</h1>
<div class="info">2024-03-05 09:30 来源：江临晚报 作者：李明 责任编辑：王芳</div>
<div class="content"><p>江临市今天发布首批8条低空物流航线，覆盖城区主要商圈和部分高校校园，最快15分钟送达。</p>
<p>据运营企业介绍，无人机配备了避障雷达和降落伞等安全装置，飞行全程接受监管平台实时监控。</p></div>
<div class="related"><h3>相关新闻</h3><ul><li><a href="/tech/b.html">无人机飞行管理新规解读</a></li></ul></div>
<div class="footer">版权所有 © 演示新闻网</div></body></html>"""


def test_extract_article_fills_every_field() -> None:
    page = extract_article(
        PAGE.encode(), "https://news.example/tech/2024/a.html", now=NOW, default_tz=SHANGHAI
    )
    f = page.fields
    assert f["title"] == "江临发布首批低空物流航线"
    assert f["category"] == "科技"
    assert (
        f["publish_time"] == "2024-03-05T09:30:00+08:00"
        and f["publish_time_raw"] == "2024-03-05 09:30"
    )
    assert f["source"] == "江临晚报" and f["authors"] == ["李明"]  # the editor is no author
    assert f["content"] is not None and f["content"].splitlines()[0].startswith("江临市今天发布")
    assert len(f["content"].splitlines()) == 2
    assert f["canonical_url"] == "https://news.example/tech/a.html"
    assert f["related"] == [
        {"title": "无人机飞行管理新规解读", "url": "https://news.example/tech/b.html"}
    ]
    assert f["language"] == "zh" and f["reposted_from"] is None
    assert "https://news.example/tech/" in page.links


def test_site_selectors_override_generic_rules() -> None:
    page = extract_article(
        PAGE.encode(),
        "https://news.example/tech/2024/a.html",
        now=NOW,
        default_tz=SHANGHAI,
        selectors={
            "title": "title",
            "authors": "xpath://div[@class='nav']/a[1]",
            "content": "div.content p:first-child",
            "publish_time": "div.info",
            "canonical_url": "link[rel=canonical]::attr(href)",
        },
    )
    assert page.fields["publish_time"] == "2024-03-05T09:30:00+08:00"
    assert page.fields["publish_time_raw"] == "2024-03-05 09:30"
    assert page.fields["canonical_url"] == "https://news.example/tech/a.html"
    assert page.fields["title"] == "江临发布首批低空物流航线_科技_演示新闻网"
    assert page.fields["authors"] == ["首页"]
    assert page.fields["content"] is not None and page.fields["content"].count("\n") == 0


@pytest.mark.parametrize(
    "body", [b"", b"\x00\x01\x02", b"<html>", b"<p>" * 5000, "<p>半截的页面".encode()]
)
def test_broken_pages_do_not_crash(body: bytes) -> None:
    page = extract_article(body, "https://news.example/x.html", now=NOW, default_tz=SHANGHAI)
    assert page.fields["authors"] == [] or isinstance(page.fields["authors"], list)


def test_binary_bodies_are_told_from_text() -> None:
    assert looks_binary(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3") and looks_binary(
        b"\xff\xd8\xff\xe0\x00\x10JFIF"
    )
    assert looks_binary(bytes(range(32)) * 10)  # control bytes throughout
    assert not looks_binary("<html><p>正文</p></html>".encode("gbk"))
    assert not looks_binary("<p>\x1b$B日本語\x1b(B</p>".encode())  # ISO-2022's ESC is text
    assert not looks_binary("<p>正文</p>".encode("utf-16"))  # NULs explained by the BOM


@pytest.mark.parametrize(
    ("text", "codec", "expected"),
    [
        ("记者从市政府获悉，今年全市经济保持增长，新闻发布会上表示。", "gbk", "gb18030"),
        ("記者從市政府獲悉，今年全市經濟保持成長，新聞發布會上表示。", "big5", "big5hkscs"),
        ("東京都は今日、新しい計画を発表しました。記者会見での説明です。", "shift_jis", "cp932"),
    ],
)
def test_an_undeclared_cjk_page_is_read_in_its_likeliest_charset(
    text: str, codec: str, expected: str
) -> None:
    body = f"<html><body><p>{text}</p></body></html>".encode(codec)
    decoded, used = decode_html(body)
    assert used == expected and text in decoded


@pytest.mark.parametrize(
    ("text", "codec", "label"),
    [
        ("繁體中文新聞內容。", "big5", "big5"),
        ("日本語のニュース本文です。", "shift_jis", "Shift_JIS"),
    ],
)
def test_declared_big5_and_shift_jis_pages(text: str, codec: str, label: str) -> None:
    body = f'<html><head><meta charset="{label}"></head><body><p>{text}</p></body></html>'
    decoded, _ = decode_html(body.encode(codec))
    assert text in decoded


def test_a_utf8_page_with_a_paragraph_in_another_encoding_stays_utf8() -> None:
    body = (
        "<p>这是一篇用UTF-8写成的新闻正文,内容很长很长。</p>".encode() * 40
        + "<p>旧系统粘贴进来的段落</p>".encode("gbk")
    )
    text, used = decode_html(body)
    assert used == "utf-8" and text.count("这是一篇用UTF-8写成的新闻正文") == 40
    assert "\ufffd" in text  # the stray bytes, replaced
