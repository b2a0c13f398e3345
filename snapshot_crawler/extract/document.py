"""Parsing a page into an lxml tree, and stripping what is never article text."""

from __future__ import annotations

import re

from lxml import etree, html

_PARSER = html.HTMLParser(
    encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, huge_tree=True
)
NEVER_TEXT = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "math",
    "iframe",
    "object",
    "embed",
    "canvas",
    "video",
    "audio",
    "button",
    "select",
    "textarea",
    "input",
    "link",
    "meta",
    "nav",
    "aside",
    "footer",
)
# Class/id words of page chrome (readability's "unlikely candidates", with the usual Chinese
# portal names). An element is dropped only when no content word rescues it.
_CHROME = re.compile(
    r"comment|share|social|sns|related|recommend|sidebar|side-bar|breadcrumb|crumb|advert|\bad\b|"
    r"\bads\b|banner|sponsor|popup|modal|cookie|consent|newsletter|subscribe|signup|login|"
    r"footer|foot|copyright|\bnav|navbar|menu|toolbar|pagination|pager|paging|tags?\b|keyword|"
    r"\bhot\b|\brank|xgxw|xgyd|tuijian|fenxiang|pinglun|bianji|\beditor\b|\bprint\b|qrcode|erweima|"
    r"disclaimer|statement|promo|outbrain|taboola|widget|masthead|skip",
    re.I,
)
_CONTENT = re.compile(
    r"article|content|main|body|text|entry|story|post|detail|zhengwen|artibody", re.I
)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def parse_html(text: str) -> html.HtmlElement:
    """An lxml tree for any page, even an empty or broken one."""
    try:
        return html.document_fromstring(text.encode("utf-8"), parser=_PARSER)
    except (etree.ParserError, ValueError):
        return html.document_fromstring(b"<html><body></body></html>", parser=_PARSER)


def strip_chrome(root: html.HtmlElement) -> None:
    """Remove elements that never hold article text (in place; the tail text is kept)."""
    doomed = []
    for el in root.iter(etree.Element):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in NEVER_TEXT:
            doomed.append(el)
            continue
        if tag in ("html", "body", "article", "main"):
            continue
        if el.get("hidden") is not None or _HIDDEN.search(el.get("style") or ""):
            doomed.append(el)
            continue
        names = f"{el.get('class') or ''} {el.get('id') or ''}"
        if names.strip() and _CHROME.search(names) and not _CONTENT.search(names):
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
