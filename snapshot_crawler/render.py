"""Snapshots shown as the snapshot site shows them: plain text in its layout, or a standalone
HTML page (everything escaped, no remote assets, readable on a phone)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any


def _wall_clock(iso: str | None) -> str | None:
    """An ISO time as the page wrote it: ``2024-02-14 05:21:00``, in its own offset."""
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S") if iso else None


def header_line(snapshot: Mapping[str, Any]) -> str:
    """``类别:国内 发布时间:2024-02-14 05:21:00 来源:每日看点快看``, leaving out what is unknown."""
    parts = [
        ("类别", snapshot.get("category")),
        ("发布时间", _wall_clock(snapshot.get("publish_time"))),
        ("来源", snapshot.get("source")),
    ]
    return " ".join(f"{label}:{value}" for label, value in parts if value)


def render_text(snapshot: Mapping[str, Any]) -> str:
    """The snapshot in the snapshot site's layout: header line, title, reposted-from line,
    authors, the content a paragraph a line, snapshot time, original URL."""
    lines = [header_line(snapshot), snapshot.get("title") or ""]
    if snapshot.get("reposted_from"):
        lines.append(f"本文转自:{snapshot['reposted_from']}")
    if snapshot.get("authors"):
        lines.append(" ".join(snapshot["authors"]))
    lines += (snapshot.get("content") or "").splitlines()
    lines.append(f"快照生成时间:{_wall_clock(snapshot.get('snapshot_time'))}")
    lines.append(f"信息原文地址:{snapshot['url']}")
    return "\n".join(line for line in lines if line)


_STYLE = """
body{margin:0 auto;max-width:42em;padding:1em;font:17px/1.7 -apple-system,"PingFang SC",
"Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#222;background:#fff;overflow-wrap:anywhere}
.meta,.snapshot{color:#666;font-size:14px}h1{font-size:1.5em;line-height:1.35;margin:.4em 0}
.repost,.authors{color:#444;margin:.2em 0}p{margin:.8em 0;text-indent:2em}
.snapshot{border-top:1px solid #ddd;margin-top:2em;padding-top:.6em}a{color:#1a5fb4}
""".strip()


def render_html(snapshot: Mapping[str, Any]) -> str:
    """A standalone page of the snapshot: inline style, no script, no remote asset."""
    e = html.escape
    title = snapshot.get("title") or snapshot["url"]
    parts = [f'<div class="meta">{e(header_line(snapshot))}</div>', f"<h1>{e(title)}</h1>"]
    if snapshot.get("reposted_from"):
        parts.append(f'<div class="repost">本文转自:{e(snapshot["reposted_from"])}</div>')
    if snapshot.get("authors"):
        parts.append(f'<div class="authors">{e(" ".join(snapshot["authors"]))}</div>')
    parts += [f"<p>{e(p)}</p>" for p in (snapshot.get("content") or "").splitlines()]
    url = e(snapshot["url"])
    parts.append(
        f'<div class="snapshot">快照生成时间:{e(_wall_clock(snapshot.get("snapshot_time")) or "")}'
        f'<br>信息原文地址:<a href="{url}" rel="nofollow noreferrer">{url}</a></div>'
    )
    lang = e(snapshot.get("language") or "zh")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{e(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body><article>{''.join(parts)}</article></body></html>\n"
    )
