"""The extractor on generated markup: whatever the page, it returns fields and never raises.
Bounded (a fixed number of examples, no deadline per example) so that it fits in CI."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snapshot_crawler.extract.article import extract_article

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 3, 5, 12, 0, tzinfo=SHANGHAI)
TAGS = ["div", "p", "span", "a", "h1", "h2", "article", "section", "script", "style", "table",
        "td", "tr", "ul", "li", "br", "meta", "time", "title", "head", "body", "html", "aside",
        "nav", "footer", "iframe", "svg", "template", "noscript", "img", "figure"]  # fmt: skip
ATTRIBUTES = ["class", "id", "href", "content", "property", "name", "datetime", "style",
              "itemprop", "type", "charset", "lang", "hidden"]  # fmt: skip
TEXT = st.text(
    # any character, lone surrogates and controls included, and many that mean something here
    alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF)
    | st.sampled_from(list("来源作者记者发布时间本文转自:：2024年2月14日 05:21<>&\"'=/\n\t")),
    max_size=60,
)


@st.composite
def markup(draw: st.DrawFn, depth: int = 0) -> str:
    """Well-formed, broken or truncated HTML-ish text."""
    if depth > 4 or draw(st.booleans()):
        return draw(TEXT)
    tag = draw(st.sampled_from(TAGS))
    attrs = "".join(
        f' {name}="{draw(TEXT)}"'
        for name in draw(st.lists(st.sampled_from(ATTRIBUTES), max_size=3))
    )
    inner = "".join(draw(st.lists(markup(depth + 1), max_size=4)))
    closing = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}", "</div>"]))
    return f"<{tag}{attrs}>{inner}{closing}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page=markup(), encoding=st.sampled_from(["utf-8", "gb18030", "latin-1"]))
def test_generated_markup_never_breaks_the_extractor(page: str, encoding: str) -> None:
    body = page.encode(encoding, errors="replace")
    fields = extract_article(
        body, "https://news.example/a.html", now=NOW, default_tz=SHANGHAI
    ).fields
    assert fields["content"] is None or isinstance(fields["content"], str)
    assert isinstance(fields["authors"], list)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=2000), charset=st.sampled_from([None, "gbk", "big5", "x-bogus"]))
def test_arbitrary_bytes_never_break_the_extractor(body: bytes, charset: str | None) -> None:
    page = extract_article(
        body, "https://news.example/a.html", now=NOW, default_tz=SHANGHAI, http_charset=charset
    )
    assert isinstance(page.links, list)
