"""Article metadata from a page: head tags, JSON-LD, and the labelled lines around the body."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import html

from .text import clean_line

# meta name/property/itemprop keys of the publish time, most trusted first
PUBLISHED_KEYS = (
    "article:published_time",
    "article:published:time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "publishtime",
    "publish_time",
    "pubtime",
    "sailthru.date",
    "parsely-pub-date",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "date",
    "article.published",
    "og:release_date",
    "weibo:article:create_at",
    "created",
    "datecreated",
)
# ...and of the last change, a fallback and a witness of the page's UTC offset
MODIFIED_KEYS = (
    "article:modified_time",
    "article:modified:time",
    "og:updated_time",
    "datemodified",
    "last-modified",
    "lastmod",
)
_TITLE_KEYS = ("og:title", "twitter:title")
# The headline the publisher declares (JSON-LD, og:title) outweighs the h1, a template's
# rendering of one of them, which outweighs the HTML title, often rewritten for search
# engines and cut short: the title and the h1 together do not outvote a declared headline.
_TITLE_WEIGHTS = {"ld": 3, "og": 3, "h1": 2, "title": 1}
_WORDING_ORDER = ("og", "ld", "h1", "title")
_CJK_SITE_SUFFIX = re.compile(r"-(?=[\u4e00-\u9fff\uac00-\ud7af\u1160-\u11ff]{2,12}$)")
_HEADING_CLASS = re.compile(r"title|heading|headline|biaoti|\bbt\b", re.I)
_ARTICLE_TYPES = re.compile(r"Article|BlogPosting|Report|NewsArticle|LiveBlogPosting", re.I)
# "»" only spaced: «quoted» headlines end with one
_TITLE_SEPARATORS = re.compile(r"(\s*(?:--|_|\||｜|::|\s»\s|\s[-–—]\s|—)\s*)")
# breadcrumbs, and the one-item section labels (kickers) that stand in for them
_CRUMB = re.compile(
    r"crumb|location|position|\bplace|dqwz|mbx|daohang|\bpath\b|route|kicker|categor|lanmu", re.I
)
_CRUMB_LABEL = re.compile(
    r"^\s*(当前位置|您的位置|你的位置|您现在的位置|你现在的位置|所在位置|位置)\s*[:：]?\s*"
)
_CRUMB_SPLIT = re.compile(r"\s*(?:>|›|»|＞|/|\\|→|-{1,2}|>>)\s*")
_CRUMB_SKIP = re.compile(r"^(首页|主页|网站首页|正文|内容|详情|home|news|新闻|本站|频道)$", re.I)
_RELATED_HEADING = re.compile(
    r"^\s*(相关(新闻|阅读|文章|报道|链接|推荐|资讯)|延伸阅读|推荐阅读|猜你喜欢|热点推荐|更多(新闻|阅读|精彩)?|"
    r"related( stories| articles| news| coverage| content)?|read more|more (stories|from)|recommended|"
    r"you may also like|see also)\s*[:：>»]*\s*$",
    re.I,
)
# a Chinese name (2-4 characters, or a transcribed one with a middle dot), not a label, which a
# colon follows (浏览次数：)
_NAME = r"[\u4e00-\u9fff]{1,4}(?:[·•][\u4e00-\u9fff]{1,6})?(?![\u4e00-\u9fff]*\s*[:：])"
# words that follow a label where a name would, and are none
_NOT_NAMES = frozenset(
    "责任 编辑 责编 来源 时间 发布 日期 本报 记者 作者 通讯员 摄影 图片 报道 综合 整理 新华社 中新网 "
    "原创 佚名 本站 网友 编译 校对 审核 实习生 原标题 受访者 受访者供图 供图 图 摄".split(" ")
)
# A byline label needs a boundary before it, or an outlet's name (本报记者, 河南商报记者); a 文
# label needs its slash or colon (文/X). The names must end where a name ends, so that prose
# (据记者采访了解, 记者从市交通局获悉) is no byline.
_LABEL_START = r"(?:^|(?<=[\s(（\[【|丨/□·]))"
_AUTHOR_LABEL = re.compile(
    r"(?:"
    + _LABEL_START
    + r"(?:作者|撰文|撰稿|主笔)\s*(?:[:：/|丨]\s*|\s+)"
    + r"|(?:^|(?<=[\s(（\[【|丨/□·报台网社站刊道]))(?:记者|通讯员|实习生)\s*(?:[:：/|丨]\s*|\s+|(?="
    + _NAME
    + r"))"
    + r"|"
    + _LABEL_START
    + r"文\s*[/:：|丨]\s*"
    + r")"
    r"(?P<names>" + _NAME + r"(?:\s*[、,，\s]\s*" + _NAME + r")*)"
    r"(?=$|[\s/)）\]】|丨,，、;；]|报道|摄|电)"
)
# forum and blog bylines: "ggjjzhzz 发表于 2005-9-15", "发布时间 2005/05/17 22:11:42 by 眉间尺",
# and a story closed by the reporter's name in brackets: "（袁源）"
_POSTED_BY = (
    re.compile(r"(?:^|\s)(?:作者\s*[:：]\s*)?(?P<names>[\w·.-]{2,20})\s*发表于"),
    re.compile(r"\d{1,2}:\d{2}(?::\d{2})?\s+by\s+(?P<names>[\w·.-]{2,20})", re.I),
    re.compile(r"^[(（]\s*(?P<names>" + _NAME + r"(?:[、,，\s]" + _NAME + r")*)\s*[)）]$"),
)
_LABEL_WORD = re.compile(r"编辑|来源|责任|记者|作者|联系|博客|采访|了解")
# bylines in the languages of Europe's news: By, Von, Par, Por, Di, Door, Av, Af, Autor(in)
BYLINE_WORDS = (
    r"by|written by|reporting by|von|par|por|di|door|av|af|autor(?:in)?(?:/autor)?|author"
)
_EN_BYLINE = re.compile(r"^\s*(?:" + BYLINE_WORDS + r")\s*:?\s+(?P<names>.+)$", re.I)
_SOURCE_CLASS = re.compile(r"source|laiyuan|\bsrc\b|\bfrom\b", re.I)
_NOT_A_NAME = re.compile(r"(?i)@|www\.|https?:|\d|\.[a-z]{2,3}$|[?？:：]|twitter facebook")
_NOT_AUTHOR = re.compile(
    r"编辑|责任|责编|关注$|^(name|authors?|admin|by|von|par|por|door|av|af|red|redaktion|"
    r"未知|佚名|匿名|网友|通过|整合|综合|整理|昨天|今天|unknown|twitter|facebook)$",
    re.I,
)
_AUTHOR_KEYS = (
    "author",
    "twitter:misc:written by",
    "cxenseparse:author",
    "article:author",
    "dc.creator",
    "byl",
    "sailthru.author",
    "parsely-author",
)
_AUTHOR_CLASS = re.compile(r"author|byline|writer|reporter|zuozhe|jizhe", re.I)
_SOURCE = re.compile(
    r"(?:文章来源|稿件来源|信息来源|新闻来源|来源|来自|出处|source)\s*[:：]\s*"
    r"(?P<v>[^\s|丨/,，;；)）\]】]{2,30}?)"
    r"(?=\s|$|[|丨/,，;；)）\]】【]|作者|记者|时间|发布|编辑|责任|字号|浏览|阅读|点击|评论|分享|打印|日期)",
    re.I,
)
_REPOST = re.compile(r"(?:本文)?(?:转载|转)自\s*[:：]?\s*(?P<v>[^\s,，。;；|)）]{2,30})")
_CATEGORY_LABEL = re.compile(r"(?:类别|分类|栏目|频道)\s*[:：]\s*(?P<v>[^\s|丨/,，;；]{1,20})")
_GENERIC_PATH = re.compile(
    r"^(\d+|[a-z]?\d+[a-z]?|www|news|article|articles|content|contents|html|detail|details|doc|"
    r"docs|a|c|p|n|n1|post|posts|story|stories|index|m|amp|zh|en|cn|us|uk|world-news)$",
    re.I,
)


def read_meta(root: html.HtmlElement) -> dict[str, str]:
    """``<meta>`` contents by lower-cased name, property, itemprop or http-equiv (first wins)."""
    found: dict[str, str] = {}
    for el in root.iter("meta"):
        content = el.get("content")
        if not content or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = el.get(attr)
            if key:
                found.setdefault(key.strip().lower(), content.strip())
    for el in root.iter("time", "span", "div", "abbr", "p"):  # dates marked up outside <meta>
        key = (el.get("itemprop") or "").lower()
        if key in ("datepublished", "datecreated", "datemodified") or (
            el.tag == "time" and el.get("datetime")
        ):
            value = el.get("datetime") or el.get("content") or el.text_content()
            if value and value.strip():
                found.setdefault(key or "time", value.strip())
    return found


def read_json_ld(root: html.HtmlElement) -> dict[str, Any]:
    """The page's JSON-LD article object (NewsArticle etc.), merged over the first WebPage."""
    article: dict[str, Any] = {}
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or ""):
            continue
        try:  # strict=False: raw newlines and tabs inside strings are common in the wild
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        for obj in _ld_objects(data):
            kinds = obj.get("@type")
            kinds = " ".join(kinds) if isinstance(kinds, list) else str(kinds or "")
            if _ARTICLE_TYPES.search(kinds):
                return obj
            if not article and "WebPage" in kinds:
                article = obj
    return article


def _ld_objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for entry in data:
            yield from _ld_objects(entry)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _ld_objects(data["@graph"])
        if isinstance(data.get("mainEntity"), dict):
            yield data["mainEntity"]


def ld_names(value: Any) -> list[str]:
    """Names from a JSON-LD author/publisher value: a string, a Person, or a list of them."""
    if isinstance(value, list):
        return [name for entry in value for name in ld_names(entry)]
    if isinstance(value, dict):
        return ld_names(value.get("name"))
    return [value.strip()] if isinstance(value, str) and value.strip() else []


def strip_title_suffix(title: str, site_hints: Iterable[str] = ()) -> str:
    """The headline of an HTML title: ``标题_国内_演示新闻网`` -> ``标题``, ``人民网 - 标题`` ->
    ``标题``. Trailing parts go while they name the site (``site_hints``: its name, its host)
    or read like a name or section (short, no question or exclamation); "Headline - and more
    of it?" keeps its second half."""
    pieces = _TITLE_SEPARATORS.split(title.strip())
    parts, separators = pieces[0::2], pieces[1::2]
    if len(parts) == 1:  # 标题-搜狐财经: a bare hyphen before a short Chinese site name
        return _CJK_SITE_SUFFIX.split(title.strip())[0].strip()
    hints = [fold(h) for h in site_hints if h and fold(h)]
    hints += [name for name in map(_domain_name, hints) if len(name) >= 4]
    while len(parts) > 1 and _names_site(parts[-1], hints):
        parts.pop()
        separators.pop()
    if len(parts) > 1 and _names_site(parts[0], hints) and len(parts[0]) * 2 <= len(parts[1]):
        parts, separators = parts[1:], separators[1:]
    head = parts[0] + "".join(sep + part for sep, part in zip(separators, parts[1:], strict=True))
    return head.strip()


def _domain_name(host: str) -> str:
    """The name in a host: ``www.tageszeitung.it`` -> ``tageszeitung``, ``bbc.co.uk`` -> ``bbc``."""
    labels = host.split(".")
    if len(labels) > 2 and len(labels[-2]) <= 3 and len(labels[-1]) == 2:  # co.uk, com.cn
        labels.pop()
    return labels[-2] if len(labels) > 1 else ""


def _names_site(part: str, hints: list[str]) -> bool:
    folded = fold(part)
    if not folded:
        return True
    if any(folded in hint or hint in folded for hint in hints):
        return True
    cjk = len(re.findall(r"[\u3400-\u9fff\uac00-\ud7af]", part))
    short = cjk <= 10 if cjk else len(part.split()) <= 3 and len(part) <= 25
    return short and not re.search(r"[?!？！]", part)


def find_title(
    root: html.HtmlElement, meta: dict[str, str], ld: dict[str, Any], site_hints: Iterable[str] = ()
) -> str | None:
    """The headline the page states most consistently: JSON-LD headline, og:title, its ``<h1>``
    and its HTML title (both without site-name suffixes) vote, by ``_TITLE_WEIGHTS``; ties go
    to that order. The winner's wording is the one most of its voters use (og:title's in a
    tie). An h1 that only names the site does not vote; one that adds a kicker to a headline
    declared alone votes for that headline. Pages with none of these get a heading-like
    element."""
    page_title = clean_line(root.findtext(".//title") or "")
    og_title = next((clean_line(meta[k]) for k in _TITLE_KEYS if k in meta), "")
    site_names = {clean_line(meta.get("og:site_name", "")), title_site_part(page_title)}
    hints = [*site_hints, meta.get("og:site_name", "")]
    headings = [clean_line(h.text_content()) for h in root.iter("h1")]
    headings = [h for h in headings if 2 <= len(h) <= 300 and h not in site_names]
    shown = {fold(h) for h in headings}

    def headline(title: str) -> str:  # what an h1 shows whole is no "headline | site"
        return title if fold(title) in shown else strip_title_suffix(title, hints)

    stated = {
        # JSON-LD written by templates often keeps the page's HTML escapes
        "ld": next(iter(clean_line(unescape(h)) for h in ld_names(ld.get("headline"))), ""),
        "og": headline(og_title) if og_title else "",
        "title": headline(page_title) if page_title else "",
    }
    others = [fold(t) for t in stated.values() if t]
    if len(headings) > 1:  # several h1: the one another source repeats, else quotes from
        headings = [h for h in headings if fold(h) in others] or [
            h for h in headings if any(fold(h) in t for t in others)
        ]
    heading = headings[0] if headings else ""
    for title in stated.values():
        # "Kicker: Headline" or "Kicker Headline" in the h1, the headline alone declared
        kicker = fold(heading).removesuffix(fold(title))
        if heading and len(title) >= 10 and kicker != fold(heading) and kicker:
            heading = title
    candidates = {"ld": stated["ld"], "og": stated["og"], "h1": heading, "title": stated["title"]}
    # one cut short by a quote that ended its meta attribute stands for the whole
    candidates = {
        source: next((t for t in candidates.values() if _cut_at_quote(text, t)), text)
        for source, text in candidates.items()
    }
    votes: dict[str, list[str]] = {}
    for source, text in candidates.items():
        if text:
            votes.setdefault(fold(text), []).append(source)
    if not votes:
        return _heading_like(root)
    order = list(candidates)
    best = max(
        votes.values(),
        key=lambda sources: (sum(_TITLE_WEIGHTS[s] for s in sources), -order.index(sources[0])),
    )
    # a tie of wordings goes to og:title's: JSON-LD is often a template's retyped copy
    wordings = [candidates[source] for source in sorted(best, key=_WORDING_ORDER.index)]
    return max(wordings, key=wordings.count)


def _cut_at_quote(text: str, whole: str) -> bool:
    cut = len(text)
    return cut > 0 and whole.startswith(text) and whole[cut : cut + 1] in ('"', "“", "”")


def fold(text: str) -> str:
    """Text compared loosely: no spaces or quote and dash variants, lower case."""
    return re.sub(r"[\s'‘’\"“”«»„\-–—:：|]", "", text).lower()


def title_site_part(title: str) -> str:
    """The site-name part of an HTML title: ``标题_国内_演示新闻网`` -> ``演示新闻网``,
    ``标题-搜狐财经`` -> ``搜狐财经``; empty when the title has none, or ends in a headline
    (``Kicker: - Headline``)."""
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title)[0::2] if p.strip()]
    if len(parts) == 1:
        parts = [p.strip() for p in _CJK_SITE_SUFFIX.split(title) if p.strip()]
    return parts[-1] if len(parts) > 1 and _names_site(parts[-1], []) else ""


def _heading_like(root: html.HtmlElement) -> str | None:
    for el in root.iter("div", "td", "span", "p", "h2", "font", "b", "strong"):
        names = f"{el.get('class') or ''} {el.get('id') or ''}"
        if el.tag == "h2" or _HEADING_CLASS.search(names):
            text = clean_line(el.text_content())
            if 4 <= len(text) <= 100:
                return text
    return None


def find_canonical(root: html.HtmlElement, meta: dict[str, str], base_url: str) -> str | None:
    """``<link rel=canonical>``, else og:url, made absolute; only http(s) URLs count."""
    hrefs: list[str | None] = [
        el.get("href") for el in root.iter("link") if "canonical" in (el.get("rel") or "").lower()
    ]
    for href in (*hrefs, meta.get("og:url")):
        if href and href.strip():
            url = urljoin(base_url, href.strip())
            if url.startswith(("http://", "https://")):
                return url
    return None


def find_related(
    root: html.HtmlElement, base_url: str, exclude: Iterable[str] = ()
) -> list[dict[str, str]]:
    """Links listed under a 相关新闻 / Related heading, in page order, without duplicates."""
    links: list[dict[str, str]] = []
    seen = set(exclude)
    for heading in root.iter(
        "h2", "h3", "h4", "h5", "div", "span", "p", "strong", "b", "dt", "li", "header"
    ):
        raw = heading.text
        if not raw or len(raw) > 60 or not raw.strip():
            continue
        own = clean_line(raw)
        if len(own) > 30 or not _RELATED_HEADING.match(own):
            continue
        container = heading.getparent()
        while container is not None and not container.xpath(".//a[@href]"):
            container = container.getparent()
        if container is None:
            continue
        for a in container.iter("a"):
            title, href = clean_line(a.text_content()), a.get("href")
            if not href or len(title) < 4 or href.startswith(("javascript:", "#", "mailto:")):
                continue
            url = urljoin(base_url, href.strip())
            if url not in seen:
                seen.add(url)
                links.append({"title": title, "url": url})
    return links


def find_breadcrumb_category(root: html.HtmlElement, title: str | None) -> str | None:
    """The most specific section in the page's breadcrumbs (首页 > 国内 > 正文 -> 国内)."""
    for el in root.iter("div", "nav", "p", "span", "ol", "ul", "td", "font"):
        names = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('aria-label') or ''}"
        # the label opens the element's own text; reading every element's text is too slow
        if not (_CRUMB.search(names) or "位置" in (el.text or "")):
            continue
        text = clean_line(el.text_content())
        if not text or len(text) > 200:
            continue
        labelled = _CRUMB_LABEL.match(text)
        if not (labelled or _CRUMB.search(names)):
            continue
        if el.tag in ("ol", "ul", "nav") or labelled is None:
            parts = [
                clean_line(li.text_content()) for li in el.iter("li", "a")
            ] or _CRUMB_SPLIT.split(text)
        else:
            parts = _CRUMB_SPLIT.split(text[labelled.end() :])
        parts = [p for p in parts if p and not _CRUMB_SKIP.match(p) and p != title and len(p) <= 20]
        if parts:
            return parts[-1]
    return None


def category_from_url(url: str) -> str | None:
    """The first path segment that names a section (``/tech/2024/0305/x.html`` -> ``tech``);
    only web URLs: a file path's folders name the disk, not the site."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    segments = parts.path.split("/")[1:-1]
    for segment in segments:
        if (
            segment
            and not _GENERIC_PATH.match(segment)
            and re.fullmatch(r"[A-Za-z][A-Za-z_-]{1,24}", segment)
        ):
            return segment
    return None


def split_names(text: str) -> list[str]:
    """``Jane Doe and John Roe`` / ``张三、李四`` -> names, without labels and duplicates."""
    parts = re.split(
        r"\s*(?:,|，|、|;|；|/|\band\b|&|\bund\b|\bet\b|\by\b|\s{2,}|\s[-–—|]\s)\s*", text
    )
    names: list[str] = []
    for part in parts:
        name = re.sub(r"^(by|written by)\s+", "", part.strip(" .·|:：()（）"), flags=re.I)
        if name and name not in names and len(name) <= 60 and not name.startswith(("http", "@")):
            names.append(name)
    return names


def authors_in_text(lines: Iterable[str]) -> list[str]:
    """Author names labelled in text: 作者:X, 记者 X Y, (文/X), 本报记者 X, forum bylines;
    never editors. The first line with a byline decides."""
    for line in lines:
        match = _AUTHOR_LABEL.search(line) or next(
            (m for pattern in _POSTED_BY if (m := pattern.search(line))), None
        )
        if match:
            names = [
                name
                for name in dict.fromkeys(re.split(r"\s*[、,，\s]\s*", match["names"]))
                if name and name not in _NOT_NAMES and not _LABEL_WORD.search(name)
            ]
            if names:
                return names
    return []


def byline_authors(
    root: html.HtmlElement, meta: dict[str, str], ld: dict[str, Any], outlets: Iterable[str] = ()
) -> list[str]:
    """Authors from JSON-LD, author meta tags, and byline elements (rel/itemprop/class author):
    the first of them that names someone who is not one of the ``outlets``; e-mail and web
    addresses and placeholders name no one."""
    sources: list[list[str]] = [split_names(", ".join(ld_names(ld.get("author"))))]
    sources += [
        split_names(_EN_BYLINE.sub(r"\g<names>", meta[key]))
        for key in _AUTHOR_KEYS
        if key in meta and not meta[key].startswith("http")  # a profile page is no name
    ]
    sources += [split_names(meta[f"twitter:data{n}"]) for n in "1234" if _written_by(meta, n)]
    for el in root.iter("a", "span", "div", "p", "address", "li", "ul"):
        names_attr = f"{el.get('rel') or ''} {el.get('itemprop') or ''} {el.get('class') or ''}"
        if _AUTHOR_CLASS.search(names_attr):
            # one name per text node: <span>A B</span><span>C D</span> is two people
            text = ", ".join(t for t in map(clean_line, el.itertext()) if t)
            if 2 <= len(text) <= 120:
                match = _EN_BYLINE.match(text)
                sources.append(split_names(match["names"] if match else text))
    skip = [fold(outlet) for outlet in outlets if outlet and fold(outlet)]
    for names in sources:
        credits = [name for name in names if is_credit(name) and not _is_outlet(name, skip)]
        if credits:
            return credits
    return []


def _written_by(meta: dict[str, str], n: str) -> bool:
    """Twitter's label/data pairs: ``twitter:label1 = Written by``, ``twitter:data1 = name``."""
    return bool(re.match(r"written by|author|autor", meta.get(f"twitter:label{n}", ""), re.I))


def is_credit(name: str) -> bool:
    """Whether a byline value names someone: a few words, no address, time, question,
    placeholder or editor."""
    return len(name.split()) <= 5 and not _NOT_A_NAME.search(name) and not _NOT_AUTHOR.search(name)


def _is_outlet(name: str, outlets: list[str]) -> bool:
    folded = fold(name)
    return any(folded in outlet or outlet in folded for outlet in outlets)


def first_match(pattern: re.Pattern[str], lines: Iterable[str]) -> str | None:
    """The ``v`` group of the pattern's first match in the lines."""
    for line in lines:
        match = pattern.search(line)
        if match:
            return match["v"].strip()
    return None


def find_source(lines: Iterable[str]) -> str | None:
    """The outlet named after 来源: / Source:."""
    return first_match(_SOURCE, lines)


def find_source_element(root: html.HtmlElement) -> str | None:
    """The outlet in an element marked as the source (``<a class="source">新京报</a>``)."""
    for el in root.iter("a", "span", "em", "div", "p", "cite"):
        names = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not _SOURCE_CLASS.search(names) or _AUTHOR_CLASS.search(names):  # m-from-author
            continue
        text = clean_line(el.text_content())
        labelled = find_source([text])
        if labelled:
            return labelled
        if 2 <= len(text) <= 16 and not re.search(r"[:：]", text):  # a bare name, no label
            return text
    return None


def find_reposted_from(lines: Iterable[str]) -> str | None:
    """The outlet of a 本文转自 / 转载自 / 转自 line."""
    return first_match(_REPOST, lines)


def find_labelled_category(lines: Iterable[str]) -> str | None:
    """A category written as 类别:X / 栏目:X."""
    return first_match(_CATEGORY_LABEL, lines)


def detect_language(declared: str | None, text: str) -> str | None:
    """The declared ``lang`` reduced to its primary subtag, else guessed from the script."""
    if declared:
        primary = declared.strip().replace("_", "-").split("-")[0].lower()
        if re.fullmatch(r"[a-z]{2,3}", primary):
            return primary
    sample = text[:2000]
    if not sample:
        return None
    kana = len(re.findall(r"[\u3040-\u30ff]", sample))
    hangul = len(re.findall(r"[\uac00-\ud7af]", sample))
    han = len(re.findall(r"[\u4e00-\u9fff]", sample))
    if kana > 10:
        return "ja"
    if hangul > 10:
        return "ko"
    if han > len(sample) * 0.2:
        return "zh"
    if len(re.findall(r"\b(the|and|of|to|is|in|that)\b", sample, re.I)) > 10:
        return "en"
    return None
