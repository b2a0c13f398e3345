"""The generic extractor's rules, each on a small page written for it."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from snapshot_crawler.extract.article import ArticleFields, extract_article
from snapshot_crawler.extract.document import is_chrome_names, parse_html
from snapshot_crawler.extract.metadata import authors_in_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 3, 5, 12, 0, tzinfo=SHANGHAI)
PARAGRAPH = "<p>{n}. The council approved the budget on Tuesday after a long debate, officials said, and work starts in May.</p>"
BODY = "".join(PARAGRAPH.format(n=n) for n in range(6))


def extract(
    page: str, url: str = "https://news.example.com/a.html", **kwargs: object
) -> ArticleFields:
    return extract_article(page.encode(), url, now=NOW, default_tz=SHANGHAI, **kwargs).fields  # type: ignore[arg-type]


def test_unzoned_time_takes_the_zone_of_the_country_domain() -> None:
    page = f'<html><head><meta property="article:published_time" content="2024-02-14T10:00:00"></head><body><h1>T</h1>{BODY}</body></html>'
    assert (
        extract(page, "https://zeitung.example.de/a.html")["publish_time"]
        == "2024-02-14T10:00:00+01:00"
    )
    assert (
        extract(page, "https://news.example.com/a.html")["publish_time"]
        == "2024-02-14T10:00:00+08:00"
    )
    tokyo = extract(page, "https://zeitung.example.de/a.html", site_tz=ZoneInfo("Asia/Tokyo"))
    assert tokyo["publish_time"] == "2024-02-14T10:00:00+09:00"  # the site file wins
    strict = extract(page, "https://zeitung.example.de/a.html", infer_tz=False)
    assert strict["publish_time"] == "2024-02-14T10:00:00+08:00"  # SNAPSHOT_INFER_TIMEZONE off


def test_unzoned_time_takes_an_offset_stated_elsewhere_on_the_page() -> None:
    page = (
        '<html><head><meta property="article:published_time" content="2024-02-14T10:00:00">'
        '<meta property="article:modified_time" content="2024-02-14T12:00:00-05:00"></head>'
        f"<body><h1>T</h1>{BODY}</body></html>"
    )
    assert extract(page)["publish_time"] == "2024-02-14T10:00:00-05:00"


def test_a_declared_date_yields_to_the_visible_time_of_the_same_day() -> None:
    page = f'<html><head><meta name="publishdate" content="2024-02-14"></head><body><h1>标题在这里</h1><div class="info">2024年02月14日 05:21 来源：新华社</div>{BODY}</body></html>'
    fields = extract(page)
    assert fields["publish_time"] == "2024-02-14T05:21:00+08:00"
    assert fields["publish_time_raw"] == "2024年02月14日 05:21"
    assert fields["source"] == "新华社"


@pytest.mark.parametrize(
    ("names", "chrome"),
    [
        ("share-bar", True),
        ("article-content__widget-group", True),
        ("newsletter-widget__header", True),
        ("sidebar-grid__content", False),
        ("sidebar-grid__container", False),
        ("post-content share-enabled", False),
        ("intro-body__premium hidden", True),
        ("flex print:hidden md:basis-2/3", False),
        ("article-body", False),
    ],
)
def test_chrome_class_names(names: str, chrome: bool) -> None:
    assert is_chrome_names(names) is chrome


def test_repeated_furniture_lines_are_dropped() -> None:
    label = '<div class="visually-x">Article content</div>'
    page = (
        "<html><body><h1>Budget</h1><article>"
        + "".join(label + PARAGRAPH.format(n=n) for n in range(5))
        + "</article></body></html>"
    )
    content = extract(page)["content"] or ""
    assert "Article content" not in content and content.count("\n") == 4


def test_paragraphs_wrapped_one_by_one_are_all_kept() -> None:
    wrapped = "".join(
        f'<div class="blk"><div class="txt">{PARAGRAPH.format(n=n)}</div></div>' for n in range(6)
    )
    page = f"<html><body><h1>Budget</h1><article>{wrapped}</article><footer><p>{'About us. ' * 5}</p></footer></body></html>"
    assert (extract(page)["content"] or "").count("\n") == 5


def test_an_article_inside_an_aside_is_still_the_article() -> None:
    page = f'<html><body><nav><a href="/">Home</a></nav><aside class="secondary"><h1>Budget</h1>{BODY}</aside></body></html>'
    assert (extract(page)["content"] or "").count("council approved") == 6


def test_script_rendered_pages_fall_back_to_json_ld_article_body() -> None:
    page = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": "Budget",'
        f' "articleBody": "{"The council approved the budget after a long debate. " * 10}"}}</script>'
        '</head><body><div id="app"></div></body></html>'
    )
    assert (extract(page)["content"] or "").startswith("The council approved the budget")


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("本报记者 张三 李四", ["张三", "李四"]),
        ("顶端新闻·河南商报记者马俊峰/文受访者供图", ["马俊峰"]),
        ("据新华社拉萨电（记者 格桑边觉）记者近日从西藏获悉", ["格桑边觉"]),
        ("（文/赵六）", ["赵六"]),
        ("作者：梁思雨 浏览次数：1234", ["梁思雨"]),
        ("ggjjzhzz 发表于 2005-9-15 11:46:00", ["ggjjzhzz"]),
        ("发布时间 2005/05/17 22:11:42 by 眉间尺", ["眉间尺"]),
        ("（袁源）", ["袁源"]),
        ("记者从市交通局获悉，新线路下月开通。", []),
        ("据记者采访了解，本报记者自曝实验秘密，", []),
        ("责任编辑：王芳", []),
    ],
)
def test_bylines_in_text(line: str, names: list[str]) -> None:
    assert authors_in_text([line]) == names


def test_authors_are_never_the_site_or_an_editor() -> None:
    page = (
        '<html><head><title>标题在这里_网易新闻</title><meta name="author" content="网易新闻"></head>'
        f"<body><h1>标题在这里</h1>{BODY}<p>责任编辑：王芳</p></body></html>"
    )
    assert extract(page)["authors"] == []


def _titled(head: str, h1: str = "") -> str:
    return f"<html><head>{head}</head><body><h1>{h1}</h1>{BODY}</body></html>"


def _ld(headline: str) -> str:
    data = {"@type": "NewsArticle", "headline": headline}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_the_html_title_and_h1_agreeing_do_not_outvote_a_declared_headline() -> None:
    page = _titled(f"<title>Search headline | Site</title>{_ld('The headline')}", "Search headline")
    assert extract(page)["title"] == "The headline"
    # ...but the h1 and og:title together do
    og = '<meta property="og:title" content="Shown headline">'
    page = _titled(f"<title>Search headline</title>{_ld('Search headline')}{og}", "Shown headline")
    assert extract(page)["title"] == "Shown headline"


def test_headline_parts_the_h1_shows_are_no_site_name() -> None:
    headline = "BUDGET 3.0 | Sars gets R4bn to hire army of debt collectors"
    assert extract(_titled(f"<title>{headline}</title>", headline))["title"] == headline


def test_a_title_ending_in_a_headline_names_no_site() -> None:
    page = _titled("<title>«Kicker»: - Man jailed for life</title>", "Man jailed for life")
    assert extract(page)["title"] == "Man jailed for life"


def test_a_meta_title_cut_short_by_a_quote_votes_for_the_whole_headline() -> None:
    og = '<meta property="og:title" content="多地项目连环爆雷 狂奔的龙湖集团"暗伤"曝露？">'
    page = _titled(f"<title>新闻</title>{og}", "多地项目连环爆雷 狂奔的龙湖集团“暗伤”曝露？")
    assert extract(page)["title"] == "多地项目连环爆雷 狂奔的龙湖集团“暗伤”曝露?"


def test_html_escapes_left_in_a_json_ld_headline_are_read() -> None:
    page = _titled(_ld("Mexico to fight &#8216;illogical&#8217; tariffs"), "Other words")
    assert extract(page)["title"] == "Mexico to fight ‘illogical’ tariffs"


def test_the_headline_is_written_as_most_of_its_sources_write_it() -> None:
    curly, straight = "Mexico to fight ‘illogical’ tariffs", "Mexico to fight 'illogical' tariffs"
    og = f'<meta property="og:title" content="{straight}">'
    assert extract(_titled(og + _ld(curly), curly))["title"] == curly  # the h1 and JSON-LD
    # two against two: og:title's wording
    page = _titled(f"<title>{straight}</title>{og}{_ld(curly)}", curly)
    assert extract(page)["title"] == straight


def test_an_outlet_the_json_ld_credits_is_the_author_when_no_one_is_named() -> None:
    data = {"@type": "NewsArticle", "author": {"@type": "Organization", "name": "DER SPIEGEL"}}
    ld = f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
    ld += '<meta property="og:site_name" content="DER SPIEGEL">'
    assert extract(_titled(ld, "Headline"))["authors"] == ["DER SPIEGEL"]
    # a person named in the byline comes first; the outlet of a 来源 line is never the author
    assert extract(_titled(ld, "Headline").replace("<h1>", "<p>By Jane Doe</p><h1>"))[
        "authors"
    ] == ["Jane Doe"]
    data["author"]["name"] = "新华社"  # type: ignore[index]
    ld = f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
    page = _titled(ld, "标题在这里").replace("</h1>", '</h1><div class="info">来源：新华社</div>')
    assert extract(page)["authors"] == []


def test_a_page_of_several_posts_gives_its_first() -> None:
    def post(n: int, paragraphs: int) -> str:
        text = "".join(
            f"<p>第{n}篇的第{k}段，今天我们去了金矿遗址参观，看到了很多当年淘金的老房子和旧工具。</p>"
            for k in range(paragraphs)
        )
        return f'<div class="post-title">第{n}篇</div><div class="post-body">{text}</div>'

    page = f"<html><body><h1>我的博客</h1>{post(1, 6)}{post(2, 12)}{post(3, 6)}</body></html>"
    paragraphs = (extract(page)["content"] or "").splitlines()
    assert [p[:7] for p in paragraphs] == [f"第1篇的第{k}段" for k in range(6)]


def test_kicker_in_the_h1_is_not_part_of_the_headline() -> None:
    page = (
        '<html><head><meta property="og:title" content="Liverpool lose at Everton"></head>'
        f"<body><h1><span>Premier League</span> Liverpool lose at Everton</h1>{BODY}</body></html>"
    )
    assert extract(page)["title"] == "Liverpool lose at Everton"


def test_a_page_whose_title_names_only_the_site_gets_the_headline_above_its_body() -> None:
    paragraphs = "".join(
        f"<p>第{n}段，飞行器在大气中飞行时受到升力、阻力和重力的作用，这是飞行物理学的基础知识。</p>"
        for n in range(5)
    )
    page = f"<html><head><title>显示</title></head><body><p align=center><big>飞行物理学常识</big></p>{paragraphs}</body></html>"
    fields = extract(page)
    assert fields["title"] == "飞行物理学常识"
    assert (fields["content"] or "").startswith("第0段")


def test_parse_html_survives_anything() -> None:
    assert parse_html("").tag == "html"


def test_the_body_ends_with_its_last_paragraph() -> None:
    page = f"<html><body><h1>Budget</h1><article>{BODY}<p>Please login to comment</p><p>Loading...</p></article></body></html>"
    content = extract(page)["content"] or ""
    assert content.endswith("work starts in May.") and content.count("\n") == 5


def test_hard_wrapped_chinese_lines_are_paragraphs() -> None:
    wrapped = "<br>".join(
        f"第{n}行，它理解为讥诮嘲讽，愤世嫉俗，玩世不恭。这些理解大致不差，不过若想"
        for n in range(8)
    )
    page = f"<html><head><title>犬儒病</title></head><body><h1>犬儒病</h1><div>{wrapped}</div></body></html>"
    assert (extract(page)["content"] or "").count("\n") == 7


@pytest.mark.parametrize(
    ("head", "byline", "authors"),
    [
        (
            "",
            '<p class="meta">von <a href="/autoren/kolter">Dr. Max Kolter</a></p>',
            ["Dr. Max Kolter"],
        ),
        (
            '<meta name="twitter:label1" content="Written by"><meta name="twitter:data1" content="Anna Sleegers">',
            "",
            ["Anna Sleegers"],
        ),
        (
            '<meta name="author" content="mdr.de">',
            '<p class="author">von <a href="mailto:d@mdr.de">David Straub</a></p>',
            ["David Straub"],
        ),
        ('<meta name="author" content="https://www.facebook.com/news">', "", []),
    ],
)
def test_bylines_in_markup(head: str, byline: str, authors: list[str]) -> None:
    page = f"<html><head>{head}</head><body><h1>Budget approved</h1>{byline}{BODY}</body></html>"
    assert extract(page, "https://news.example.de/a.html")["authors"] == authors


def test_an_exact_declared_stamp_beats_a_bare_date() -> None:
    page = (
        '<html><head><meta name="date" content="2024-02-26">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-02-25T19:30:04+02:00",\n"headline": "Budget\tapproved"}</script>'
        f"</head><body><h1>Budget approved</h1>{BODY}</body></html>"
    )
    assert extract(page)["publish_time"] == "2024-02-25T19:30:04+02:00"


def test_text_only_in_chrome_marked_boxes_is_still_found() -> None:
    page = f'<html><body><h1>Budget approved</h1><div class="info-box">{BODY}</div></body></html>'
    assert (extract(page)["content"] or "").count("council approved") == 6


def test_article_markup_carried_by_a_script_payload_is_found() -> None:
    markup = "".join(
        f"<p>{n}. The council approved the budget on Tuesday after a long debate.</p>"
        for n in range(6)
    )
    payload = (
        json.dumps({"props": {"article": markup}}).replace("<", "\\u003c").replace(">", "\\u003e")
    )
    page = f"<html><body><h1>Budget approved</h1><div id=app></div><script>self.__next_f.push({payload})</script></body></html>"
    content = extract(page)["content"] or ""
    assert content.count("council approved") == 6 and "<p>" not in content


def test_text_after_an_early_closing_html_tag_is_still_the_page() -> None:
    # a header template closed the document before the article; browsers show what follows
    page = (
        '<html><body><div class="header"><a href="/">首页</a></div></body></html>'
        '<div class="content"><div id="article"><h1>关于批准决议的公告</h1>'
        "<p>会议听取了有关方面的说明,并对议案进行了审议,同意全国人民代表大会财政经济委员会在审查报告中提出的建议。"
        "会议决定批准该项议案,并要求有关部门认真做好实施工作,按期报告进展情况。</p></div></div>"
    )
    assert (extract(page)["content"] or "").startswith("会议听取了有关方面的说明")


def test_a_gallery_gives_every_caption_its_script_keeps() -> None:
    captions = [
        f"第{n}张图:草原上的牧民赶着羊群转场,远处是连绵的雪山与湖泊,景色壮美。" for n in range(1, 6)
    ]

    def gallery(kept: list[str]) -> str:
        payload = json.dumps({"count": len(kept), "sub_abstracts": kept})
        script = f"var BASE_DATA = {{}}; BASE_DATA.gallery = JSON.parse({json.dumps(payload)});"
        return (
            f"<html><head><title>草原转场</title><script>{script}</script></head><body>"
            f'<h1>草原转场</h1><div class="gallery"><span>1/5</span><p>{captions[0]}</p></div>'
            "</body></html>"
        )

    assert extract(gallery(captions))["content"] == "\n".join(captions)
    # a list that does not begin with the caption shown is some other data
    other = ["另一组图片的说明文字,与本页展示的这一张图并不相同。", *captions[1:]]
    shown_only = extract(gallery(other))["content"] or ""
    assert shown_only.endswith(captions[0]) and "第2张图" not in shown_only


def test_text_nested_deeper_than_the_parser_goes_is_still_read() -> None:
    # libxml2 stops at 2048 levels and drops the rest; such a page is read without wrappers
    first = "深层嵌套的正文内容,依然应当被读到,一个字也不能少。" * 4
    after = "嵌套之后的第二段正文,同样不能丢失,也要完整保留下来。" * 4
    page = (
        "<html><body><h1>深层嵌套的页面标题</h1>" + "<div>" * 10_000 + f"<p>{first}</p>"
        + "</div>" * 10_000 + f"<p>{after}</p></body></html>"
    )  # fmt: skip
    fields = extract(page)
    assert fields["title"] == "深层嵌套的页面标题"
    assert (fields["content"] or "").split("\n") == [first, after]


def test_a_paragraph_with_a_reporter_and_large_figures_is_no_info_bar() -> None:
    first = "（记者 郝磊）数据显示，过去一年宁波粮食产量达到2943.7万吨，同比增长36.4%。"
    rest = "".join(
        f"<p>第{n}段：当地农业部门表示，今年将继续推进高标准农田建设，稳定粮食播种面积。</p>"
        for n in range(4)
    )
    page = (
        '<html><head><meta charset="utf-8"></head><body><h1>宁波粮食产量再创新高</h1>'
        '<div class="info">2024年2月14日 08:21 来源：经济日报</div>'
        f'<div id="content"><p>{first}</p>{rest}</div></body></html>'
    )
    fields = extract(page)
    lines = (fields["content"] or "").splitlines()
    assert lines[0] == first  # NFKC comes later, in the normalize stage
    assert not any("来源" in line for line in lines)
    assert fields["publish_time"] == "2024-02-14T08:21:00+08:00"
