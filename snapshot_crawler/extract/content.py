"""Finding the article body: paragraphs scored by text and punctuation, links counted against.

One pass over the tree splits it into lines (a block element or ``<br>`` ends a line), marking
the lines that sit in page chrome; then every element gets the characters and link characters
of the lines below it. Each substantial line scores for its block and the block's ancestors, as
in Arc90's readability; the best-scoring element, discounted by its link density, is the body,
widened to ancestors that add mostly good text, with siblings that score nearly as well.
Repeated furniture and the prompts after the last paragraph are left out.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree, html

from .document import NEVER_TEXT, is_chrome

BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section "
    "summary table tbody td tfoot th thead tr ul html".split()
)
_PARAGRAPH_TAGS = frozenset("p li dd dt h1 h2 h3 h4 h5 h6 pre blockquote figcaption".split())
_PUNCTUATION = re.compile(r"[,，。.;；!！?？、:：]")
_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
# the blocks of a blog's or forum's posts: post-body, entry-content, postmessage...
_POST_CLASS = re.compile(r"(?<![a-z])(?:post|entry|message|reply)", re.I)
_POST_MIN = 200  # characters of substantial lines that make a post
_MIN_LINE = 20  # characters of a line that scores
_PROTECTED_SHARE = 0.25  # chrome holding this share of the page's plain text is no chrome...
_PROTECTED_MIN = 400  # ...if it holds at least this many characters
_REPEAT_MAX = 150  # lines shorter than this that repeat in the body are furniture
_LABEL_MAX = 40  # lines shorter than this that repeat anywhere on the page are furniture
_PARAGRAPH_CHARS = 40  # a line that ends the body has this much text (CJK counted twice)
_WIDEN_LEVELS = 6  # ancestors the body may widen to
_TWIN_LEVELS = 3  # how far up the body's twins are looked for
# Lines count toward this many ancestors: real pages nest far less, hostile ones far more.
_MAX_CLIMB = 100


@dataclass
class Line:
    """One line of visible text: a paragraph, or a fragment of one between ``<br>`` tags."""

    block: html.HtmlElement
    chrome: html.HtmlElement | None = None
    """The innermost chrome element (nav, share bar...) the text sits in, if any."""
    origin: html.HtmlElement | None = None
    """The deepest of the two: where the line's characters start counting up the tree."""
    parts: list[str] = field(default_factory=list)
    link_parts: list[str] = field(default_factory=list)
    chars: int = 0
    """Letters, digits and CJK characters: what link density is measured in."""
    link_chars: int = 0
    text: str = ""
    """The parts joined with whitespace folded; set once the line is complete."""


@dataclass
class Stats:
    chars: int = 0
    link_chars: int = 0
    score: float = 0.0
    good: int = 0
    """Characters of substantial, link-poor lines below the element."""


def split_lines(
    root: html.HtmlElement, chrome_by_class: bool = True
) -> tuple[list[Line], dict[html.HtmlElement, Stats]]:
    """All text lines in document order, and per element the text and link characters below it.

    Text inside chrome (``is_chrome``) gets lines of its own, marked with that element, so the
    caller can leave them out, or keep them when the "chrome" turns out to hold the article;
    ``chrome_by_class=False`` trusts only tags (nav, aside, footer), for pages where class
    names left no text at all.
    Characters are counted once per line, then added up the line's ancestors: counting every
    text node as it is met costs more than the whole walk.
    """
    lines: list[Line] = []
    blocks: list[tuple[int, html.HtmlElement]] = []
    chrome: list[tuple[int, html.HtmlElement]] = []
    open_lines: dict[html.HtmlElement, Line] = {}
    depth = in_link = 0

    def add(text: str | None) -> None:
        if not text or not blocks:
            return
        block_depth, block = blocks[-1]
        chrome_depth, inside = chrome[-1] if chrome else (-1, None)
        line = open_lines.get(block)
        if line is None or line.chrome is not inside:
            origin = inside if inside is not None and chrome_depth > block_depth else block
            line = open_lines[block] = Line(block, inside, origin)
            lines.append(line)
        line.parts.append(text)
        if in_link:
            line.link_parts.append(text)

    walk = etree.iterwalk(root, events=("start", "end"))
    for event, el in walk:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            depth += 1
            if tag in NEVER_TEXT or not tag:
                walk.skip_subtree()
                continue
            if tag in BLOCK_TAGS or tag == "br":
                open_lines.clear()  # a block boundary ends the open line of every block
            if tag in BLOCK_TAGS:
                blocks.append((depth, el))
            if is_chrome(el, chrome_by_class):
                chrome.append((depth, el))
            if tag == "a":
                in_link += 1
            add(el.text)
        else:
            depth -= 1
            if tag not in NEVER_TEXT and tag:
                if tag == "a":
                    in_link -= 1
                if chrome and chrome[-1][1] is el:
                    chrome.pop()
                if tag in BLOCK_TAGS:
                    blocks.pop()
                    open_lines.clear()
            add(el.tail)
    stats: dict[html.HtmlElement, Stats] = defaultdict(Stats)
    for line in lines:
        line.text = _SPACE.sub(" ", "".join(line.parts)).strip()
        line.chars = len(_NOT_WORD.sub("", line.text))
        if line.link_parts:
            line.link_chars = len(_NOT_WORD.sub("", "".join(line.link_parts)))
        node: html.HtmlElement | None = line.origin
        for _ in range(_MAX_CLIMB):
            if node is None:
                break
            node_stats = stats[node]
            node_stats.chars += line.chars
            node_stats.link_chars += line.link_chars
            node = node.getparent()
    return lines, stats


def _line_score(line: Line) -> float:
    text = line.text
    bonus = 1 + len(_PUNCTUATION.findall(text)) + min(len(text) / 100, 3)
    return bonus * (1 - _link_density(line))


def _link_density(line: Line) -> float:
    return line.link_chars / line.chars if line.chars else 1.0


def find_body(lines: list[Line], stats: dict[html.HtmlElement, Stats]) -> list[int]:
    """Indices of the article's lines, in order; empty when no text looks like an article.

    Chrome is skipped, unless it holds a good part of the page's text: sites do put whole
    articles in an ``<aside>`` or a ``class="sidebar-grid__container"``.
    """
    _unmark_protected_chrome(lines, stats)
    for line in lines:
        text = line.text
        if line.chrome is not None or len(text) < _MIN_LINE or _link_density(line) > 0.5:
            continue
        score = _line_score(line)
        node: html.HtmlElement | None = line.block
        if node is not None and node.tag in _PARAGRAPH_TAGS:
            node = node.getparent()
        share = 1.0
        for _ in range(_MAX_CLIMB):
            if node is None:
                break
            node_stats = stats[node]
            node_stats.good += line.chars
            if share > 0.2:
                node_stats.score += score * share
                share /= 2
            node = node.getparent()

    def weight(el: html.HtmlElement) -> float:
        s = stats[el]
        return s.score * (1 - s.link_chars / s.chars) if s.chars else 0.0

    candidates = [el for el, s in stats.items() if s.score > 0 and el.tag not in _PARAGRAPH_TAGS]
    if not candidates:
        return []
    top = _widen(max(candidates, key=weight), stats)
    threshold = max(10.0, weight(top) * 0.2)

    def enough(el: html.HtmlElement) -> bool:
        return isinstance(el.tag, str) and el in stats and weight(el) >= threshold

    posts = _posts(top)
    if len(posts) > 1:  # one of several posts: the page's article is the first that says something
        chosen = [next((post for post in posts if stats[post].good >= _POST_MIN), top)]
    else:
        parent = top.getparent()
        chosen = [el for el in parent if el is top or enough(el)] if parent is not None else [top]
        chosen += _twins(top, enough)
    inside = {el for node in chosen for el in node.iter()}
    # a short line the page prints more than once is furniture (subscription pitches, "Article
    # content" labels), not a paragraph
    # (page-wide for labels; within the body for longer lines, as pages that carry a second
    # copy of the whole article, for another screen size, are common)
    body = [i for i, line in enumerate(lines) if line.block in inside and line.chrome is None]
    on_page = Counter(line.text for line in lines if len(line.text) < _LABEL_MAX)
    seen: set[str] = set()
    kept = []
    for i in body:
        text = lines[i].text
        if text and text not in seen and on_page[text] < 2 and _link_density(lines[i]) <= 0.6:
            kept.append(i)
        seen.add(text)
    # after the last real paragraph come prompts and widgets ("Please login to comment"), not
    # text: the body ends with its last substantial line
    last = max((k for k, i in enumerate(kept) if _is_paragraph(lines[i])), default=len(kept) - 1)
    return kept[: last + 1]


def _is_paragraph(line: Line) -> bool:
    """A substantial line: a sentence or more of plain text (a Chinese character says about
    as much as two Latin letters)."""
    size = line.chars + len(_CJK.findall(line.text))
    return size >= _PARAGRAPH_CHARS and _link_density(line) < 0.3


def _unmark_protected_chrome(lines: list[Line], stats: dict[html.HtmlElement, Stats]) -> None:
    """Chrome that holds much plain text (not links) is no chrome."""

    total = sum(line.chars - line.link_chars for line in lines)
    enough = max(_PROTECTED_MIN, total * _PROTECTED_SHARE)
    protected = {
        line.chrome
        for line in lines
        if line.chrome is not None
        and _own_text(stats[line.chrome]) > enough
        and stats[line.chrome].link_chars < stats[line.chrome].chars * 0.25
    }
    for line in lines:
        if line.chrome in protected:
            line.chrome = None


def _twins(
    top: html.HtmlElement, enough: Callable[[html.HtmlElement], bool]
) -> list[html.HtmlElement]:
    """Elements of the body's own tag and class a few levels around it: templates that cut an
    article into blocks between ads repeat the block's wrapper (``story-block-content``)."""
    names = top.get("class")
    if not names:
        return []
    ancestor = top
    for _ in range(_TWIN_LEVELS):
        parent = ancestor.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        ancestor = parent
    return [
        el
        for el in ancestor.iter(top.tag)
        if el is not top and el.get("class") == names and enough(el)
    ]


def _posts(top: html.HtmlElement) -> list[html.HtmlElement]:
    """The posts of a blog's page or a forum thread, when the body is one of them (or in one):
    the elements of its tag and post-like class (post-body, entry-content...), in page order."""
    node: html.HtmlElement | None = top
    for _ in range(_WIDEN_LEVELS):
        if node is None or node.tag in ("body", "html"):
            break
        names = node.get("class")
        if names and _POST_CLASS.search(names):
            return [el for el in node.getroottree().iter(node.tag) if el.get("class") == names]
        node = node.getparent()
    return []


def _own_text(stats: Stats) -> int:
    """Characters of text that is not link text."""
    return stats.chars - stats.link_chars


def _widen(top: html.HtmlElement, stats: dict[html.HtmlElement, Stats]) -> html.HtmlElement:
    """Climb from the best element to an ancestor that holds clearly more good text, as long
    as good text is most of what the climb adds: templates that wrap every paragraph in a
    wrapper of its own leave the best element holding one paragraph."""
    node = top.getparent()
    for _ in range(_WIDEN_LEVELS):
        if node is None or node.tag in ("body", "html"):
            break
        gained_good = stats[node].good - stats[top].good
        gained_text = _own_text(stats[node]) - _own_text(stats[top])
        gained_links = stats[node].link_chars - stats[top].link_chars
        if (
            gained_good >= stats[top].good * 0.5
            and gained_good >= gained_text * 0.7
            and gained_links <= (gained_text + gained_links) * 0.3  # no teaser lists
        ):
            top = node
        node = node.getparent()
    return top
