"""The generic article extractor: page bytes and URL in, snapshot fields out."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any, TypedDict
from urllib.parse import urljoin, urlsplit

from lxml import html
from parsel import Selector

from .content import Line, find_body, split_lines
from .dates import ParsedTime, date_in_url, parse_datetime, stated_offset, zone_of_place
from .document import parse_html
from .encoding import decode_html
from .fingerprint import Signature, sign_ahead
from .metadata import (
    BYLINE_WORDS,
    MODIFIED_KEYS,
    PUBLISHED_KEYS,
    authors_in_text,
    byline_authors,
    category_from_url,
    detect_language,
    find_breadcrumb_category,
    find_canonical,
    find_labelled_category,
    find_related,
    find_reposted_from,
    find_source,
    find_source_element,
    find_title,
    fold,
    is_credit,
    ld_names,
    read_json_ld,
    read_meta,
    split_names,
    title_site_part,
)
from .text import clean_line, clean_paragraphs, compile_boilerplate


class ArticleFields(TypedDict):
    """What the extractor fills of a Snapshot (the crawl adds url, times, site and hash)."""

    canonical_url: str | None
    title: str | None
    category: str | None
    publish_time: str | None
    publish_time_raw: str | None
    source: str | None
    reposted_from: str | None
    authors: list[str]
    content: str | None
    language: str | None
    related: list[dict[str, str]]


@dataclass
class Page:
    """One extracted page: the article fields, and the links to crawl on from it."""

    fields: ArticleFields
    links: list[str] = field(default_factory=list)
    encoding: str = "utf-8"


_INFO_LABEL = re.compile(
    r"来源|作者|记者|发布|时间|日期|编辑|浏览|阅读|点击|字号|published|updated|posted", re.I
)
# A clock time or a whole date; a year must be followed by a month and a day or by 月, so that
# a figure such as 2943.7万吨 in a paragraph that names a 记者 is not taken for a date.
_INFO_STAMP = re.compile(
    r"(?<!\d)(?:\d{1,2}[:：]\d{2}(?!\d)|(?:19|20)\d{2}(?:年\d{1,2}月|([-/.])\d{1,2}\1\d{1,2}))"
)
_NAMES_ONLY = re.compile(r"[\u4e00-\u9fff·]{2,4}(?:[ 、,，][\u4e00-\u9fff·]{2,4}){0,3}")
_DATELINE_NOISE = re.compile(
    r"\d{1,2}[:.]\d{2}\s*([ap]\.?m\.?)?|\b(updated|published|posted|last|am|um|uhr|on|at|"
    r"gmt|utc|[a-z]{1,3}t|mins?|minutes?|hours?|ago|read|aktualisiert|veröffentlicht|"
    r"publiziert|erstellt|stand|lesezeit|montag|dienstag|mittwoch|donnerstag|freitag|samstag|"
    r"sonntag|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|[\W\d_]+",
    re.I,
)
_NOT_SECTION = re.compile(r"[,，。!！?？]|\.s?html?$|联系我们|关于我们|点击|首页$", re.I)
_TIME_LABEL = re.compile(r"发布|发表|published|时间", re.I)
_SENTENCE_END = re.compile(r"[。.!！?？,，:：;；]$")
_EN_BYLINE_LINE = re.compile(
    r"^(?:" + BYLINE_WORDS + r")\s*:?\s+([A-Z][^|•·]{2,80}?)(?:\s*[|•·].*)?$", re.I
)
_REPOST_LINE = re.compile(r"^(本文)?(转载|转)自\s*[:：]")
# A JSON string literal that holds paragraph markup, escaped or not.
_JSON_MARKUP = re.compile(r'"((?:[^"\\]|\\.){0,200000}?(?:\\u003c|<)p[\s>\\](?:[^"\\]|\\.){200,})"')
_JSON_PARSE_ARGUMENT = re.compile(r'JSON\.parse\("((?:[^"\\]|\\.){100,})"\)')
_SCRIPTED_BODY_BELOW = 200  # characters of body text under which scripts are searched for it
_ZONE_BEFORE = 12
_TAIL_AFTER = 6


def extract_signed(
    body: bytes, url: str, boilerplate: tuple[str, ...], **kwargs: Any
) -> tuple[Page, tuple[str, Signature] | None]:
    """``extract_article``, and ``sign_ahead`` of its content as the normalize stage will leave
    it (``boilerplate``: that stage's patterns), for a crawler that runs this in a worker
    process and so spares its own process the signature; None when no content is left."""
    page = extract_article(body, url, **kwargs)
    content = clean_paragraphs(page.fields["content"] or "", _compiled_boilerplate(boilerplate))
    return page, sign_ahead(content) if content else None


# a crawl compiles its patterns once, not once a page
_compiled_boilerplate = lru_cache(maxsize=8)(compile_boilerplate)


def extract_article(
    body: bytes,
    url: str,
    *,
    now: datetime,
    default_tz: tzinfo,
    site_tz: tzinfo | None = None,
    http_charset: str | None = None,
    site_name: str | None = None,
    selectors: dict[str, str] | None = None,
    with_links: bool = True,
    infer_tz: bool = True,
) -> Page:
    """Extract one page. ``now`` is the snapshot time (relative dates count back from it).

    Times written without a zone are read in ``site_tz`` when the site file names one, else in
    the zone the page itself indicates (an offset on another of its timestamps, its country
    domain, its language; ``infer_tz=False`` skips this), else in ``default_tz``.
    ``site_name`` is the fallback source; ``selectors`` are per-field CSS (or ``xpath:``)
    selectors that override the generic rules; ``with_links=False`` skips collecting the
    page's links, for callers that follow none.
    """
    text, encoding = decode_html(body, http_charset)
    root = parse_html(text)
    meta = read_meta(root)
    ld = read_json_ld(root)
    links = _links(root, url) if with_links else []
    title = find_title(root, meta, ld, [urlsplit(url).hostname or ""])
    canonical = find_canonical(root, meta, url)
    related = find_related(root, url, exclude=(url, canonical or url))
    crumb = find_breadcrumb_category(root, title)
    source_element = find_source_element(root)
    lines, stats = split_lines(root)
    body_indices = find_body(lines, stats)
    if not body_indices:  # class names misled (a gallery's text in an "info-box"): look again
        lines, stats = split_lines(root, chrome_by_class=False)
        body_indices = find_body(lines, stats)
    if title is None or (
        not _title_shown(title, lines) and root.find(".//h1") is None and "og:title" not in meta
    ):
        # the HTML title names the site or the app ("显示"); the headline opens the body
        title = _heading_line(lines, body_indices) or title
    zone, tail = _zones(lines, body_indices, title)

    reposted_from = find_reposted_from(zone + [lines[i].text for i in body_indices[:3]])
    source = _outlet_name(find_source(zone + tail) or source_element or meta.get("source"))
    title_site_name = title_site_part(clean_line(root.findtext(".//title") or "")) or None
    fallback_source = (
        meta.get("og:site_name") or site_name or title_site_name or urlsplit(url).hostname
    )
    outlets = [o for o in (source, fallback_source, title_site_name, meta.get("og:site_name")) if o]
    # the first byline that names someone other than the site itself
    authors = _real_authors(
        authors_in_text(zone + [lines[i].text for i in body_indices[:2]] + tail), outlets
    )
    if not authors:
        authors = _real_authors(_byline(zone), outlets) or byline_authors(
            root, meta, ld, [*outlets, urlsplit(url).hostname or ""]
        )
    author_line = None
    if not authors:
        author_line = _author_only_line(zone, title)
        authors = _real_authors(split_names(author_line), outlets) if author_line else []
    if not authors:
        # no one named: the page's JSON-LD may credit the outlet itself ("DER SPIEGEL"); an
        # outlet a 来源 line names is where the text came from, and never its author
        declared = split_names(", ".join(ld_names(ld.get("author"))))
        authors = [name for name in declared if is_credit(name) and name != source]
    # the headline, and a byline that is only the names, are no paragraphs
    skip = {title, author_line, *authors}
    content = "\n".join(_body_text(lines, body_indices, skip, default_tz, now))
    # pages that render their text with scripts: JSON-LD articleBody, or markup in a script
    declared_body = _declared_body(ld)
    if len(declared_body) > 2 * len(content):
        content = declared_body
    if len(content) < _SCRIPTED_BODY_BELOW:
        content = max(content, _scripted_body(root), _gallery_captions(root, content), key=len)
    declared_lang = root.get("lang") or meta.get("content-language") or meta.get("og:locale")
    language = detect_language(declared_lang, content)
    tz = site_tz or (_page_zone(meta, ld, url, language) if infer_tz else None) or default_tz
    published = _publish_time(meta, ld, zone, tail, url, tz, now)
    overrides = _apply_selectors(root, selectors or {}, url, tz, now)
    fields: ArticleFields = {
        "canonical_url": canonical,
        "title": title,
        "category": _section_name(
            meta.get("article:section"),
            _first(ld.get("articleSection")),
            crumb,
            find_labelled_category(zone),
            category_from_url(url),
        ),
        "publish_time": published.value.isoformat() if published else None,
        "publish_time_raw": published.raw if published else None,
        "source": source or fallback_source,
        "reposted_from": reposted_from,
        "authors": authors,
        "content": content or None,
        "language": language,
        "related": related,
    }
    fields.update(overrides)  # type: ignore[typeddict-item]
    return Page(fields, links, encoding)


def _body_text(
    lines: list[Line], body: list[int], skip: set[str | None], tz: tzinfo, now: datetime
) -> list[str]:
    """The body's paragraphs without the metadata lines that many templates put inside it:
    headline, byline, date line, info bar, repost line (the first and last few lines only)."""
    edges = set(body[:4] + body[-2:])
    skipped = [fold(t) for t in skip if t]
    paragraphs = []
    for i in body:
        text = lines[i].text
        folded = fold(clean_line(text))
        if folded in skipped:
            continue
        if i in edges and (
            _is_metadata_line(text, tz, now)
            # the headline with its kicker ("Deutscher Handel mit Teheran:Druck durch ...")
            or any(
                len(s) >= 10 and folded.endswith(s) and len(folded) < 2 * len(s) for s in skipped
            )
        ):
            continue
        paragraphs.append(text)
    return paragraphs


def _is_metadata_line(text: str, tz: tzinfo, now: datetime) -> bool:
    if _is_info_line(text) or _REPOST_LINE.match(text) or _EN_BYLINE_LINE.match(text):
        return True
    if len(text) < 40 and authors_in_text([text]):
        return True
    date = parse_datetime(text, tz, now) if len(text) < 80 else None
    # a dateline: the date, times, zones and words like "Updated", nothing else
    return date is not None and len(_DATELINE_NOISE.sub("", text.replace(date.raw, ""))) < 8


def _real_authors(names: list[str], outlets: list[str]) -> list[str]:
    """Names that are people or agencies: not the site itself, no editor, no placeholder."""
    return [
        name
        for name in names
        if is_credit(name) and not any(name in outlet or outlet in name for outlet in outlets)
    ]


def _outlet_name(source: str | None) -> str | None:
    """A 来源 value cleaned of the decorations around it; none when it is an editor credit."""
    source = (source or "").strip(" ⋅·|:：-—()（）[]【】")
    return source if source and not re.search(r"编辑|责任|责编", source) else None


def _section_name(*candidates: str | None) -> str | None:
    """The first candidate that reads as a section name: short, no sentence, no file name."""
    for candidate in candidates:
        name = (candidate or "").strip(" >»›|/-_:：")
        if name and len(name) <= 20 and not _NOT_SECTION.search(name):
            return name
    return None


def _declared_body(ld: dict[str, Any]) -> str:
    """JSON-LD ``articleBody`` as text (some sites put markup in it: all of it is the body)."""
    body = _first(ld.get("articleBody")) or ""
    if "<" in body:
        body = "\n".join(line.text for line in split_lines(parse_html(body))[0] if line.text)
    return body


def _scripted_body(root: html.HtmlElement) -> str:
    """The article markup a script carries as a JSON string (Next.js and Nuxt payloads:
    ``"\u003cp\u003e..."``), as text: the longest such string's paragraphs."""
    best = ""
    for script in root.iter("script"):
        for literal in _JSON_MARKUP.findall(script.text or ""):
            try:
                markup = json.loads(f'"{literal}"')
            except ValueError:
                continue
            # a payload carries a whole page's markup: its article is found as in a page
            lines, stats = split_lines(parse_html(markup))
            text = "\n".join(lines[i].text for i in find_body(lines, stats))
            if len(text) > len(best):
                best = text
    return best


def _gallery_captions(root: html.HtmlElement, shown: str) -> str:
    """A picture gallery's text: it shows one caption, and its script keeps them all, as a
    list of strings in JSON (``JSON.parse("...")``) whose first is the one shown."""
    if not shown:
        return ""
    best: list[str] = []
    for script in root.iter("script"):
        for literal in _JSON_PARSE_ARGUMENT.findall(script.text or ""):
            try:
                data = json.loads(json.loads(f'"{literal}"'))
            except ValueError:
                continue
            for strings in _string_lists(data):
                texts = [clean_line(t) for t in strings]
                shows_first = bool(texts) and len(texts[0]) >= 10 and texts[0][:30] in shown
                if shows_first and len(texts) > len(best):
                    best = texts
    return "\n".join(t for t in best if t)


def _string_lists(data: object) -> Iterator[list[str]]:
    """Every list of strings in a JSON document."""
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, list):
        if data and all(isinstance(item, str) for item in data):
            yield data
        for item in data:
            yield from _string_lists(item)


def _links(root: html.HtmlElement, base_url: str) -> list[str]:
    """Every link target on the page, absolute, without fragments, once each."""
    seen: dict[str, None] = {}
    for href in root.xpath("//a/@href"):
        href = href.strip()
        if href and not href.startswith(("#", "javascript:", "mailto:", "tel:")):
            url = href if href.startswith(("http://", "https://")) else urljoin(base_url, href)
            seen.setdefault(url.split("#")[0], None)
    return list(seen)


def _title_shown(title: str | None, lines: list[Line]) -> bool:
    return title is not None and any(clean_line(line.text) == title for line in lines)


def _heading_line(lines: list[Line], body: list[int]) -> str | None:
    """The line that reads as the headline: the body's first line, or one just above the body;
    short, not linked, no sentence ending, not a byline."""
    if not body:
        return None
    above = [i for i in range(body[0] - 1, max(-1, body[0] - 8), -1) if lines[i].chrome is None]
    for i in (*body[:2], *[i for i in above if lines[i].text][:3]):
        text = clean_line(lines[i].text)
        if (
            4 <= len(text) <= 50
            and not lines[i].link_chars
            and not _SENTENCE_END.search(text)
            and not _NAMES_ONLY.fullmatch(text)  # the byline, when the headline repeats
            and not _is_info_line(text)
        ):
            return text
    return None


def _zones(lines: list[Line], body: list[int], title: str | None) -> tuple[list[str], list[str]]:
    """The lines around the headline and before the body (where bylines and dates sit), and
    the last lines of the body and after it (where 来源 and 记者 credits often close a story);
    page chrome (navigation, share bars) is no part of either."""
    visible = [i for i, line in enumerate(lines) if line.chrome is None and line.text]
    texts = [lines[i].text for i in visible]
    if not body:
        return texts[:_ZONE_BEFORE], []
    start, end = visible.index(body[0]), visible.index(body[-1])
    first, last = max(0, start - _ZONE_BEFORE), start
    if title:
        for k in range(start, max(-1, start - 3 * _ZONE_BEFORE), -1):
            if clean_line(texts[k]) == title:
                # the kicker or info bar some templates put just above the headline
                first, last = max(0, k - 2), max(start, k + _ZONE_BEFORE)
                break
    return texts[first : last + 1], texts[max(0, end - 2) : end + _TAIL_AFTER + 1]


def _publish_time(
    meta: dict[str, str],
    ld: dict[str, Any],
    zone: list[str],
    tail: list[str],
    url: str,
    tz: tzinfo,
    now: datetime,
) -> ParsedTime | None:
    """The publish time: a declared one (meta, JSON-LD, ``<time>``) that states its UTC
    offset, being exact, else the declared ones in order of trust, then the visible byline's; a
    date without time of day yields to a later candidate with a time on the same day. Last
    resorts: the modification time, then a date in the URL."""
    declared = [meta.get(k) for k in PUBLISHED_KEYS] + [
        _first(ld.get("datePublished")),
        meta.get("time"),
    ]
    candidates = [t for raw in declared if raw and (t := parse_datetime(raw, tz, now))]
    exact = next((c for c in candidates if c.has_time and stated_offset(c.raw)), None)
    if exact:
        return exact
    visible = _visible_time(zone, tz, now)
    if visible:
        candidates.append(visible)
    elif not candidates and (closing := _visible_time(tail, tz, now)):
        candidates.append(closing)  # forums and old portals date a post under it
    if not candidates:
        modified = [meta.get(k) for k in MODIFIED_KEYS] + [_first(ld.get("dateModified"))]
        candidates = [t for raw in modified if raw and (t := parse_datetime(raw, tz, now))][:1]
    if candidates:
        first = candidates[0]
        if not first.has_time:
            day = first.value.date()
            return next((c for c in candidates if c.has_time and c.value.date() == day), first)
        return first
    from_url = date_in_url(url, tz, now)
    return ParsedTime(from_url, False, from_url.date().isoformat()) if from_url else None


def _visible_time(lines: list[str], tz: tzinfo, now: datetime) -> ParsedTime | None:
    """The first time in short lines, those labelled 发布 / 时间 / published first."""
    for line in sorted(lines, key=lambda t: not _TIME_LABEL.search(t)):
        if len(line) <= 200 and (found := parse_datetime(line, tz, now)):
            return found
    return None


def _page_zone(
    meta: dict[str, str], ld: dict[str, Any], url: str, lang: str | None
) -> tzinfo | None:
    """The zone a page's own evidence gives its unzoned times: a non-zero offset that another
    of its timestamps states, else its country domain or language, else a stated UTC."""
    stamps = [meta.get(k) for k in (*PUBLISHED_KEYS, *MODIFIED_KEYS, "time")]
    stamps += [_first(ld.get("datePublished")), _first(ld.get("dateModified"))]
    offsets = [offset for stamp in stamps if stamp and (offset := stated_offset(stamp)) is not None]
    place = zone_of_place(urlsplit(url).hostname or "", lang)
    # a UTC stamp is often the server's normalization, not the page's clock: the place's zone
    # is the better guess then
    local = [offset for offset in offsets if offset.utcoffset(None)]
    return local[0] if local else place or (offsets[0] if offsets else None)


def _byline(zone: list[str]) -> list[str]:
    for line in zone:
        match = _EN_BYLINE_LINE.match(line)
        if match:
            return split_names(match[1])
    return []


def _author_only_line(zone: list[str], title: str | None) -> str | None:
    """One to four Chinese names alone on the first line under the headline (after the info
    and repost lines), as the snapshot site and many portals print the author."""
    after = False
    for text in zone:
        if not after or clean_line(text) == title:
            after = clean_line(text) == title
        elif not (_is_info_line(text) or _REPOST_LINE.match(text)):
            return text if _NAMES_ONLY.fullmatch(text) else None
    return None


def _is_info_line(text: str) -> bool:
    """The byline bar (date, 来源, 作者, views) that sits above many bodies."""
    return len(text) < 120 and bool(_INFO_LABEL.search(text)) and bool(_INFO_STAMP.search(text))


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _apply_selectors(
    root: html.HtmlElement,
    selectors: dict[str, str],
    base_url: str,
    tz: tzinfo,
    now: datetime,
) -> dict[str, Any]:
    """Site-file overrides: each field from its selector's matches, when it matches; a publish
    time is parsed like any other (its text kept as ``publish_time_raw``), URLs made absolute."""
    if not selectors:
        return {}
    page = Selector(root=root)
    found: dict[str, Any] = {}
    for name, query in selectors.items():
        matches = page.xpath(query[6:]) if query.startswith("xpath:") else page.css(query)
        texts = [clean_line(m.xpath("string()").get() or "") for m in matches]
        texts = [t for t in texts if t]
        if not texts:
            continue
        if name == "content":
            found[name] = "\n".join(
                line.text
                for m in matches
                if isinstance(m.root, html.HtmlElement)
                for line in split_lines(m.root)[0]
                if line.text
            ) or "\n".join(texts)
        elif name == "authors":
            found[name] = [n for t in texts for n in split_names(t)]
        elif name == "publish_time":
            parsed = parse_datetime(texts[0], tz, now)
            if parsed:
                found[name], found["publish_time_raw"] = parsed.value.isoformat(), parsed.raw
        elif name == "canonical_url":
            found[name] = urljoin(base_url, texts[0])
        elif name == "related":
            found[name] = [
                {
                    "title": clean_line(a.xpath("string()").get() or ""),
                    "url": urljoin(base_url, href),
                }
                for m in matches
                for a in m.css("a[href]")
                if (href := a.attrib.get("href"))
            ]
        else:
            found[name] = texts[0]
    return found
