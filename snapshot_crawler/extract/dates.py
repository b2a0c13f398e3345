"""Date and time parsing: ISO, Chinese, English and relative forms, anchored to the snapshot."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo

_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
# what may stand between a date and its time: T, spaces, commas, bars, 日, "at", "um"
_DATE_TIME_GAP = r"(?:[T\s,|]|日|\s*(?:at|um)\s)*"
# hh:mm[:ss][.fff] with Chinese 时/分/秒 or English am/pm, then an optional UTC offset
_TIME_OF_DAY = (
    r"(?P<ampm1>上午|下午|晚上|凌晨|中午)?\s*"
    r"(?P<H>\d{1,2})\s*[:时點点]\s*(?P<M>\d{2})(?:\s*[:分]\s*(?P<S>\d{2}))?(?:\.\d+)?\s*秒?"
    r"\s*(?P<ampm2>[ap]\.?m\.?)?"
    r"\s*(?P<tz>(?:UTC|GMT)\s*[+-]\d{1,2}(?::?\d{2})?|Z|UTC|GMT|[+-]\d{2}:?\d{2})?"
)
_TIME = _DATE_TIME_GAP + _TIME_OF_DAY
_YMD = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*(?:[-/.年]\s*)(?P<m>\d{1,2})\s*(?:[-/.月]\s*)(?P<d>\d{1,2})(?!\d)"
    r"\s*日?(?:" + _TIME + ")?",
    re.I,
)
_COMPACT = re.compile(  # 20240214 0521 / 20240214T052100
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?:T?(?P<H>[012]\d)(?P<M>[0-5]\d)(?P<S>[0-5]\d)?)?(?!\d)"
)
_DMY_EN = re.compile(
    r"(?<![\w])(?P<d>\d{1,2})(?:st|nd|rd|th)?\.?\s+(?P<mon>"
    + _MONTH
    + r")\.?,?\s+(?P<y>(?:19|20)\d{2})(?:"
    + _TIME
    + ")?",
    re.I,
)
_MDY_EN = re.compile(
    r"(?<![\w])(?P<mon>"
    + _MONTH
    + r")\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{2})(?:"
    + _TIME
    + ")?",
    re.I,
)
_DMY_DOTS = re.compile(  # 25.04.2024, 25.04.24 14:07 (two-digit years only before a time)
    r"(?<![\d.])(?P<d>\d{1,2})\.\s?(?P<m>\d{1,2})\.\s?"
    r"(?P<y>(?:19|20)\d{2}|\d{2}(?=\s*(?:\||,|um)?\s*\d{1,2}:\d{2}))(?![\d.])(?:" + _TIME + ")?",
    re.I,
)
_MD = re.compile(  # 02-14 05:21 / 2月14日 05:21: the year is inferred
    r"(?<![\d/.-])(?P<m>\d{1,2})\s*[-/月]\s*(?P<d>\d{1,2})(?![\d/.-])\s*日?"
    + r"\s*"
    + _TIME_OF_DAY,
    re.I,
)
_RELATIVE = re.compile(
    r"(?P<n>\d+|半|一|两|几)\s*(?P<unit>秒|分钟|分|小时|个小时|天|日|周|星期|seconds?|mins?|minutes?|hours?|hrs?|days?|weeks?)\s*(?:前|ago)",
    re.I,
)
_DAY_WORD = re.compile(
    r"(?P<word>刚刚|今天|昨天|前天|yesterday|today|just now)(?:\s*(?P<H>\d{1,2})\s*[:时]\s*(?P<M>\d{2}))?",
    re.I,
)
_UNIT_SECONDS = {
    "秒": 1,
    "分": 60,
    "分钟": 60,
    "小时": 3600,
    "个小时": 3600,
    "天": 86400,
    "日": 86400,
    "周": 604800,
    "星期": 604800,
}
_EN_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DAY_OFFSET = {"今天": 0, "today": 0, "昨天": 1, "yesterday": 1, "前天": 2}


def _offset(text: str | None) -> timedelta | None:
    if not text:
        return None
    text = text.upper().replace("UTC", "").replace("GMT", "").replace(":", "").strip()
    if text in ("", "Z"):
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text.lstrip("+-")
    hours, minutes = (
        (int(digits[:-2] or 0), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    )
    return sign * timedelta(hours=hours, minutes=minutes)


def _hour(match: re.Match[str]) -> int | None:
    groups = match.groupdict()
    if groups.get("H") is None:
        return None
    hour = int(groups["H"])
    marker = (groups.get("ampm1") or groups.get("ampm2") or "").lower().replace(".", "")
    if marker in ("pm", "下午", "晚上") and hour < 12:
        hour += 12
    elif marker in ("am", "凌晨", "上午") and hour == 12:
        hour = 0
    return hour


def _build(match: re.Match[str], year: int, month: int, day: int, tz: tzinfo) -> datetime | None:
    hour = _hour(match)
    groups = match.groupdict()
    try:
        if hour is None:
            value = datetime(year, month, day)
        else:
            value = datetime(year, month, day, hour, int(groups["M"]), int(groups.get("S") or 0))
    except ValueError:
        return None
    offset = _offset(groups.get("tz"))
    if offset is None:
        return value.replace(tzinfo=tz)
    return value.replace(tzinfo=timezone(offset))


class ParsedTime(NamedTuple):
    """A time read from text."""

    value: datetime
    has_time: bool
    """Whether the text gave a time of day, not just a date."""
    raw: str
    """The text it was read from, as written."""


def parse_datetime(text: str, tz: tzinfo, now: datetime) -> ParsedTime | None:
    """The first date in ``text``, with whether it carries a time of day and its raw text.

    A time without an offset is read in ``tz``. Year-less dates take the year that puts them
    closest before ``now``; relative forms (3小时前, 昨天 10:00) count back from ``now``. A
    result later than ``now`` is rejected: nothing is published after it was fetched.
    """
    text = unicodedata.normalize("NFKC", text)
    local_now = now.astimezone(tz)
    return (
        _absolute(text, tz, now)
        or _month_day(text, tz, now, local_now.year)
        or _relative(text, tz, now)
        or _day_word(text, now, local_now)
    )


def _absolute(text: str, tz: tzinfo, now: datetime) -> ParsedTime | None:
    for pattern in (_YMD, _MDY_EN, _DMY_EN, _DMY_DOTS, _COMPACT):
        for match in pattern.finditer(text):
            groups = match.groupdict()
            month = _MONTHS[groups["mon"].lower()] if groups.get("mon") else int(groups["m"])
            year = int(groups["y"]) + (2000 if len(groups["y"]) == 2 else 0)
            value = _build(match, year, month, int(groups["d"]), tz)
            if value is not None and value <= now:
                return ParsedTime(value, groups.get("H") is not None, match[0].strip())
    return None


def _month_day(text: str, tz: tzinfo, now: datetime, year: int) -> ParsedTime | None:
    match = _MD.search(text)
    if match:
        for candidate in (year, year - 1):
            value = _build(match, candidate, int(match["m"]), int(match["d"]), tz)
            if value is not None and value <= now:
                return ParsedTime(value, True, match[0].strip())
    return None


def _relative(text: str, tz: tzinfo, now: datetime) -> ParsedTime | None:
    match = _RELATIVE.search(text)
    if not match:
        return None
    unit = match["unit"].lower()
    count = {"半": 0.5, "一": 1, "两": 2, "几": 3}.get(match["n"]) or float(match["n"])
    seconds = _UNIT_SECONDS.get(unit) or _EN_UNIT_SECONDS[unit[0]]
    value = (now - timedelta(seconds=count * seconds)).astimezone(tz).replace(microsecond=0)
    return ParsedTime(value, True, match[0])


def _day_word(text: str, now: datetime, local_now: datetime) -> ParsedTime | None:
    match = _DAY_WORD.search(text)
    # a bare 今天 inside a sentence is prose, not a timestamp; with a time or alone it is one
    if not match or (match["H"] is None and len(text) - len(match[0]) >= 8):
        return None
    word = match["word"].lower()
    if word in ("刚刚", "just now"):
        return ParsedTime(local_now.replace(microsecond=0), True, match[0])
    day = local_now - timedelta(days=_DAY_OFFSET[word])
    if match["H"] is None:
        return ParsedTime(day.replace(hour=0, minute=0, second=0, microsecond=0), False, match[0])
    value = day.replace(hour=int(match["H"]), minute=int(match["M"]), second=0, microsecond=0)
    return ParsedTime(value, True, match[0]) if value <= now else None


def date_in_url(url: str, tz: tzinfo, now: datetime) -> datetime | None:
    """A publish date written in a URL path: /2024/02/14/, /20240214/, /2024-02/14/, /2024/0214/."""
    match = re.search(
        r"/((?:19|20)\d{2})[/-]?([01]\d)[/-]?([0-3]\d)(?=[/_.-]|\d{2,}|$)", url.split("?")[0]
    ) or re.search(r"/((?:19|20)\d{2})[/-]([01]?\d)[/-]([0-3]?\d)(?=/)", url)
    if not match:
        return None
    try:
        value = datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=tz)
    except ValueError:
        return None
    return value if value <= now else None


# Countries (by domain) and languages whose clocks keep one UTC offset: a page from there that
# writes a time without a zone means its local time. Multi-zone countries are left out.
_COUNTRY_ZONES = {
    "cn": "Asia/Shanghai",
    "hk": "Asia/Hong_Kong",
    "mo": "Asia/Macau",
    "tw": "Asia/Taipei",
    "jp": "Asia/Tokyo",
    "kr": "Asia/Seoul",
    "sg": "Asia/Singapore",
    "my": "Asia/Kuala_Lumpur",
    "vn": "Asia/Ho_Chi_Minh",
    "th": "Asia/Bangkok",
    "ph": "Asia/Manila",
    "in": "Asia/Kolkata",
    "pk": "Asia/Karachi",
    "ae": "Asia/Dubai",
    "sa": "Asia/Riyadh",
    "qa": "Asia/Qatar",
    "il": "Asia/Jerusalem",
    "tr": "Europe/Istanbul",
    "ua": "Europe/Kyiv",
    "de": "Europe/Berlin",
    "at": "Europe/Vienna",
    "ch": "Europe/Zurich",
    "li": "Europe/Vaduz",
    "fr": "Europe/Paris",
    "it": "Europe/Rome",
    "es": "Europe/Madrid",
    "nl": "Europe/Amsterdam",
    "be": "Europe/Brussels",
    "lu": "Europe/Luxembourg",
    "dk": "Europe/Copenhagen",
    "no": "Europe/Oslo",
    "se": "Europe/Stockholm",
    "fi": "Europe/Helsinki",
    "pl": "Europe/Warsaw",
    "cz": "Europe/Prague",
    "sk": "Europe/Bratislava",
    "hu": "Europe/Budapest",
    "gr": "Europe/Athens",
    "ro": "Europe/Bucharest",
    "ie": "Europe/Dublin",
    "uk": "Europe/London",
    "za": "Africa/Johannesburg",
    "ls": "Africa/Maseru",
    "ng": "Africa/Lagos",
    "ke": "Africa/Nairobi",
    "eg": "Africa/Cairo",
    "ar": "America/Argentina/Buenos_Aires",
    "co": "America/Bogota",
    "nz": "Pacific/Auckland",
}
_LANGUAGE_ZONES = {
    "zh": "Asia/Shanghai",
    "ja": "Asia/Tokyo",
    "ko": "Asia/Seoul",
    "vi": "Asia/Ho_Chi_Minh",
    "th": "Asia/Bangkok",
    "tr": "Europe/Istanbul",
    "de": "Europe/Berlin",
    "fr": "Europe/Paris",
    "it": "Europe/Rome",
    "nl": "Europe/Amsterdam",
    "da": "Europe/Copenhagen",
    "nb": "Europe/Oslo",
    "nn": "Europe/Oslo",
    "no": "Europe/Oslo",
    "sv": "Europe/Stockholm",
    "fi": "Europe/Helsinki",
    "pl": "Europe/Warsaw",
    "cs": "Europe/Prague",
    "hu": "Europe/Budapest",
    "el": "Europe/Athens",
    "ro": "Europe/Bucharest",
}
_STATED_OFFSET = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})\s*$")


def stated_offset(stamp: str) -> tzinfo | None:
    """The UTC offset a machine timestamp states (``...T05:21:00+08:00``), if any."""
    match = _STATED_OFFSET.search(stamp.strip())
    offset = _offset(match[1]) if match else None
    return timezone(offset) if offset is not None else None


def zone_of_place(host: str, language: str | None) -> tzinfo | None:
    """The zone of a country-code domain (news.example.de), else of a one-zone language."""
    name = _COUNTRY_ZONES.get(host.rsplit(".", 1)[-1].lower()) if host else None
    name = name or _LANGUAGE_ZONES.get((language or "").lower())
    return ZoneInfo(name) if name else None
