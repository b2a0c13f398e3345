"""Text normalization shared by the extractor and the normalize pipeline."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Zero-width characters, bidi controls, BOM, C0/C1 controls (but tab and newline, handled as
# whitespace) and lone surrogates, which cannot be written as UTF-8.
_INVISIBLE = re.compile(
    "[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff]"
)
_LINE_BREAKS = re.compile("\r\n|[\r\n\x0c\x1c-\x1e\x85\u2028\u2029]")
_SPACES = re.compile(r"\s+")

DEFAULT_BOILERPLATE_PATTERNS: tuple[str, ...] = (
    # editor and proof-reader credits: 责任编辑:X, (责编:X), 【编辑:X】
    r"^[\[(【]?\s*(责任编辑|责编|编辑|值班编辑|审核|审校|校对|监制|编审|美编)\s*[:]",
    r"^【纠错】",
    r"^[—–-]?\s*(with |additional )?(reporting|writing|editing|edited|compiled) by\b",
    r"contributed (to )?this report\.?$",
    r"^(分享到|分享至|分享:|转发到)",
    r"^.{0,30}扫一扫",
    r"^(版权声明|版权所有|免责声明|Copyright|©)",
    r"^(未经授权|未经许可|未经本网授权).{0,20}(转载|使用)",
    # snapshot hosts' own lines: their disclaimer, snapshot time and original-URL lines
    r"^以上内容为.{0,12}快照",
    r"^(本页面?|本站|此页面?).{0,20}(快照|自动抓取|不代表本站)",
    r"^快照生成时间\s*:",
    r"^信息原文地址\s*:",
    # the repost line becomes the reposted_from field, not content
    r"^(本文)?(转载|转)自\s*:",
    # a line of metadata only (来源:X 发布时间:2024-02-14 05:21:00): fields, not content
    r"^(?:(?:来源|稿源|作者|记者|发布时间|发布日期|时间|日期|类别)\s*:\s*[^\s:,。;!?]{1,30}"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*)+$",
    # English and German page furniture that templates put between paragraphs
    r"^(advertisement|anzeige|werbung|sponsored|(story|article) continues below( advertisement)?)$",
    r"^(subscribe|sign in|sign up|log in|register|create an account|already a subscriber)\b.{0,80}$",
    r"^(read more|read next|more from|related( articles?| stories)?|see also|recommended|mehr zum thema)\s*:?$",
    r"^(\d+\s*(min|mins|minute|minutes)\.?\s*(read|lesezeit)?|lesedauer\s*:.{0,20}|reading time\s*:.{0,20})$",
    r"^(lesen sie (auch|hier mehr)|mehr zum thema|weitere informationen|passend zum artikel|"
    r"mehr von \S+$|zum anhören|fehler melden|zitiervorschlag|sie haben einen fehler gefunden)",
    r"^[^.]{0,60}(getty images|shutterstock|imago images)\s*$",
    r"^placeholder image",
    r"^(get in touch with|for more stories like this|do you have a story|join the conversation|"
    r"add us as a preferred source|get our .{0,40}(newsletter|email))",
    r"^(publisert|oppdatert|publicerad|uppdaterad|publié|mis à jour|publicado|actualizado)\b.{0,40}$",
    r"^il vous reste .{0,20}% de cet article",
    r"(liveblog|live-blog|newsblog|live-ticker|newsticker)\s*:\s*$",
    r"^(share|teilen|share this article|share on \w+)\s*:?$",
    r"^(image|photo|picture|foto|bild)\s*(credits?|rechte|quelle)?\s*:",
    r"^(quelle|bildquelle|source)\s*:\s*[^.]{0,40}$",
    r"\b(bildrechte|image credits?|photo credits?)\s*:\s*\S.{0,60}$",
)


def clean_line(text: str) -> str:
    """NFKC, invisible characters out, every whitespace run folded to one space, trimmed."""
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", _INVISIBLE.sub("", text)).strip()


def clean_paragraphs(text: str, boilerplate: Boilerplate | None = None) -> str:
    """Normalize multi-line text: one paragraph per line, no empty or boilerplate line."""
    lines = (clean_line(line) for line in _LINE_BREAKS.split(text))
    return "\n".join(line for line in lines if line and not (boilerplate and boilerplate.has(line)))


@dataclass(frozen=True)
class Boilerplate:
    """Line patterns, case-insensitive. Those anchored at the line's start are tried there
    only: searched, as one alternation, they would be tried at every character of every line,
    which cost more than all the rest of normalizing."""

    at_start: re.Pattern[str] | None
    anywhere: re.Pattern[str] | None

    def has(self, line: str) -> bool:
        """Whether a pattern matches the line."""
        return bool(
            (self.at_start and self.at_start.match(line))
            or (self.anywhere and self.anywhere.search(line))
        )


def compile_boilerplate(patterns: Iterable[str]) -> Boilerplate | None:
    """The patterns as a Boilerplate (they see NFKC text, so ``:`` covers ``：``); None for none."""
    patterns = [p for p in patterns if p]
    if not patterns:
        return None
    at_start = [p for p in patterns if _anchored(p)]
    anywhere = [p for p in patterns if not _anchored(p)]
    return Boilerplate(_alternation(at_start), _alternation(anywhere))


def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.I) if patterns else None


def _anchored(pattern: str) -> bool:
    """Whether the pattern can only match at the start: it opens with ``^`` and has no ``|``
    outside its groups (``^a|b`` finds ``b`` anywhere)."""
    if not pattern.startswith("^"):
        return False
    depth, escaped, in_class = 0, False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return False
    return True
