"""Bytes to text: the page's declared charsets checked against what the bytes really are."""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEAD_BYTES = 16384
# What browsers do: these labels name a superset, and reading by the superset loses nothing.
_SUPERSETS = {  # keyed by codecs.lookup() names; x-gbk is not one, so it is aliased first
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
}
_ALIASES = {"x-gbk": "gbk", "x-sjis": "shift_jis"}
# Above this share of invalid bytes a charset is not the page's, whatever it declares.
_MAX_INVALID_SHARE = 0.02


# Files that servers do label text/html: PDF, PNG, GIF, JPEG, ZIP (and office files), gzip,
# RIFF (WebP, AVI), WebAssembly.
_BINARY_MAGIC = (
    b"%PDF-",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"\x00asm",
)
# C0 controls that no text encoding of a web page uses (tab, newlines, form feed and the ESC
# of ISO-2022 are fine), as in the WHATWG MIME sniffing "binary data byte" set.
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_SNIFF_BYTES = 4096


def looks_binary(body: bytes) -> bool:
    """Whether a response is no text at all (a PDF or image labelled text/html): a known file
    signature, or control bytes among its first bytes, unless a UTF-16 BOM explains them."""
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    head = body[:_SNIFF_BYTES]
    return head.startswith(_BINARY_MAGIC) or len(_BINARY_BYTES.findall(head)) > len(head) // 100


def charset_name(label: str | None) -> str | None:
    """The Python codec for a charset label, widened to its superset; None when unknown."""
    if not label:
        return None
    try:
        label = label.strip().strip("\"'").lower()
        name = codecs.lookup(_ALIASES.get(label, label)).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, name)


def meta_charset(body: bytes) -> str | None:
    """The charset a ``<meta>`` tag in the page's head declares."""
    match = _META_CHARSET.search(body, 0, _HEAD_BYTES)
    return charset_name(match.group(1).decode("ascii", "replace")) if match else None


# The commonest characters of Chinese news text, simplified and traditional; kana are counted
# apart. An undeclared page is read in the CJK charset under which most of its text is these.
_COMMON_HAN = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
    "也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小"
    "物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形"
    "相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建"
    "月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长"
    "求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战"
    "先回则任取据处府研书村记者报道市省县镇新闻网讯据悉表示今日昨日近日记者"
    "們這國會來時說為對動學與過發經個後從種樣還頭當裡實現點電體關開業區長無於們們報導記並"
    "問題進機歲認識聯轉變讓應該總統觀產務員際華陸灣臺韓東區議選舉顯軍隊經濟記錄"
)
_SNIFF_CHARSETS = ("gb18030", "big5hkscs", "cp932")
# An undeclared page that is UTF-8 but for this share of invalid bytes (a paragraph pasted in
# another encoding) is read as UTF-8, the stray bytes replaced; a GBK page is far above it.
_MIXED_INVALID_SHARE = 0.005


def _likeliest_cjk(body: bytes) -> str:
    """GB18030, Big5-HKSCS or CP932 (Shift_JIS) for a page that declares no charset: the one
    whose reading has the most common Chinese characters and kana, invalid bytes counting
    against it. (Big5 and Shift_JIS bytes often decode without error as GB18030.)"""
    sample = body[:65536]

    def score(name: str) -> int:
        text = sample.decode(name, "replace")
        common = sum(ch in _COMMON_HAN or "\u3040" <= ch <= "\u30ff" for ch in text)
        return common - 5 * text.count("\ufffd")

    return max(_SNIFF_CHARSETS, key=score)


def decode_html(body: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Decode a page; returns the text and the codec used.

    A BOM decides. Otherwise UTF-8 that decodes cleanly wins (GBK text is practically never
    valid UTF-8, while pages mislabelled as GBK or Latin-1 are common); then the meta
    declaration, then the HTTP header, then GB18030 (our users' undeclared pages are Chinese).
    A declaration is only believed if the bytes decode under it, so a header that contradicts
    a valid meta loses. When none decodes cleanly, the one with the fewest invalid bytes is
    used with those bytes replaced, unless so many are invalid that it is no text of that
    charset at all; then cp1252, which reads any byte.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, "replace"), name
    declared = (meta_charset(body), charset_name(http_charset))
    if not any(declared):
        utf8 = body.decode("utf-8", "replace")
        invalid = utf8.count("\ufffd")
        if invalid <= _MIXED_INVALID_SHARE * len(body):  # UTF-8, or UTF-8 with a stray patch
            return utf8, "utf-8"
        declared = (_likeliest_cjk(body), None)
    candidates = list(dict.fromkeys(n for n in ("utf-8", *declared, "gb18030") if n))
    best: tuple[int, str, str] | None = None
    for name in candidates:
        try:
            return body.decode(name), name
        except UnicodeDecodeError:
            text = body.decode(name, "replace")
        except LookupError:  # a codec that exists for lookup but not for decoding
            continue
        errors = text.count("\ufffd")
        if best is None or errors < best[0]:
            best = (errors, text, name)
    if best is not None and best[0] <= _MAX_INVALID_SHARE * len(body):
        return best[1], best[2]
    return body.decode("cp1252", "replace"), "cp1252"
