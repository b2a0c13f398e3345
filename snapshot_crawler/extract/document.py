"""Parsing a page into an lxml tree, and telling page chrome from possible article text."""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree, html

_PARSER = html.HTMLParser(
    encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, huge_tree=True
)
# Elements whose text is never read as article text.
NEVER_TEXT = frozenset(
    "script style noscript template svg math iframe object embed canvas video audio button "
    "select textarea input link meta head title".split()
)
# Elements that are page chrome by their tag.
_CHROME_TAGS = frozenset(("nav", "aside", "footer", "figcaption"))
_NEVER_CHROME = frozenset(("html", "body", "main", "article"))
# Class/id words of page chrome (readability's "unlikely candidates", with the usual Chinese
# portal names), matched against lower-cased names. An element is chrome when one matches and
# no content word does.
_CHROME = re.compile(
    r"comment|share|social|sns|related|recommend|sidebar|side-bar|breadcrumb|crumb|advert|\bad\b|"
    r"\bads\b|banner|sponsor|popup|modal|cookie|consent|newsletter|subscribe|sign-?up|sign-?in|log-?in|"
    r"footer|foot|copyright|\bnav|navbar|menu|toolbar|pagination|\bpager\b|paging|tags?\b|keyword|"
    r"\bhot\b|\brank|xgxw|xgyd|tuijian|fenxiang|pinglun|bianji|\bprint\b|qrcode|erweima|"
    r"disclaimer|statement|promo|outbrain|taboola|widget|masthead|skip|\bhidden\b|visually-hidden|"
    r"sr-only|screen-reader|popover|tooltip|paywall|premium|piano|\bmeter\b|bookmark|caption|credit|"
    r"twitter-tweet|instagram-media|tiktok-embed|fb-post|factbox|fact-box|infobox|info-box|"
    r"\bvideo\b|player|\baudio\b",
)
_CONTENT = re.compile(r"article|content|main|body|text|entry|story|post|detail|zhengwen|artibody")
# Words of the page's frame (sidebar-grid, with-sidebar-layout): neither chrome nor content.
_LAYOUT = re.compile(r"grid|layout|container|wrapper|\brow\b|\bcols?\b|\bcol-|area|\bflex\b|basis")
# States that hide an element whatever its role (matched against a whole class name).
_HIDDEN_CLASS = re.compile(
    r"hidden|is-hidden|d-none|hide|invisible|.*(offscreen|visually-hidden|sr-only|screen-reader).*"
)
# Longer class names are slugs or ids, not role names.
_SLUG_LENGTH = 40
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


# Closing body and html tags: browsers keep what follows one (pages built from templates put a
# header's </html> before the article), libxml2 drops it.
_END_OF_DOCUMENT = re.compile(r"</(?:body|html)\s*>", re.I)


# Tags that only wrap: a page nested deeper than libxml2 goes (2048 levels) loses all that
# follows, so such a page is parsed again without them.
_WRAPPERS = re.compile(r"</?(?:div|span|font|section|center|b|i|u|em|strong|small)\b[^>]*>", re.I)


def parse_html(text: str) -> html.HtmlElement:
    """An lxml tree for any page, even an empty, broken or absurdly nested one."""
    try:
        text = _END_OF_DOCUMENT.sub("", text)
        root = html.document_fromstring(text.encode("utf-8"), parser=_PARSER)
        if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in _PARSER.error_log):
            root = html.document_fromstring(_WRAPPERS.sub("", text).encode("utf-8"), parser=_PARSER)
        return root
    except (etree.ParserError, ValueError):
        return html.document_fromstring(b"<html><body></body></html>", parser=_PARSER)


def is_chrome(el: html.HtmlElement, by_class: bool = True) -> bool:
    """Whether an element looks like navigation, sharing, comments, ads or a footer (by its
    tag, and unless ``by_class`` is off, by its class, id or being hidden)."""
    if el.tag in _CHROME_TAGS:
        return True
    if el.tag == "figure":  # an image and its caption
        return True
    if el.tag in _NEVER_CHROME or not by_class:  # body.has-nav-bar says nothing of the text
        return False
    # hidden now; streaming renderers do park whole articles in hidden elements, and the
    # caller keeps chrome that holds much text
    if el.get("hidden") is not None or _HIDDEN_STYLE.search(el.get("style") or ""):
        return True
    return is_chrome_names(f"{el.get('class') or ''} {el.get('id') or ''}")


def is_chrome_names(names: str) -> bool:
    """Whether class and id names (space-separated) mark page chrome."""
    names = names.lower()
    return bool(names.strip()) and _names_are_chrome(names)


@lru_cache(maxsize=65536)
def _names_are_chrome(names: str) -> bool:
    """Class and id words: chrome when one says so and none says content. In a BEM name
    (block__element) the element speaks first: ``article-content__widget-group`` is a widget
    inside the article, ``newsletter-widget__header`` the head of a newsletter box."""
    # utility classes with a variant (md:basis-2/3, print:block) style, they do not name
    tokens = [token for token in names.split() if ":" not in token]
    if any(_HIDDEN_CLASS.fullmatch(token) for token in tokens):  # a state, whatever the role
        return True
    verdicts = {_verdict(token) for token in tokens}
    return "chrome" in verdicts and "content" not in verdicts


def _verdict(token: str) -> str | None:
    if len(token) > _SLUG_LENGTH:  # a slug ("zendaya-promoted-dune-part-two-...") names no role
        return "content" if _CONTENT.search(token) else None
    for part in reversed(token.split("__")):
        if _LAYOUT.search(part):  # sidebar-grid, with-sidebar-layout: the page's frame
            return None
        chrome, content = bool(_CHROME.search(part)), bool(_CONTENT.search(part))
        if chrome != content:
            return "chrome" if chrome else "content"
        if content:  # both: a content word with a flag (post-content-share) is content
            return "content"
    return None
