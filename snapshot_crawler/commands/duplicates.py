"""``scrapy duplicates [ARCHIVE_DIR] [--json]``: the stories an archive holds more than once.

Each cluster is one story: its first snapshot, and the snapshots marked as copies of it
(``duplicate_of``), with their site, time and similarity, most reposted stories first.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from typing import Any

from snapshot_crawler.archive_command import ArchiveCommand
from snapshot_crawler.pipelines.archive import archive_records


def _brief(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record.get(k) for k in ("url", "site", "snapshot_time")}


def duplicate_clusters(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``{story, first: {url, site, snapshot_time}, reposts: [... similarity]}`` per story
    with copies, most copies first; the first snapshot is the earliest one of its URL."""
    firsts: dict[str, dict[str, Any]] = {}
    copies: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if record.get("duplicate_of"):
            copies.setdefault(record["duplicate_of"], []).append(record)
        elif (
            record["url"] not in firsts
            or record["snapshot_time"] < firsts[record["url"]]["snapshot_time"]
        ):
            firsts[record["url"]] = record
    clusters: list[dict[str, Any]] = []
    for url, reposts in copies.items():
        first = firsts.get(url)
        reposts.sort(key=lambda r: r["snapshot_time"])
        clusters.append(
            {
                "story": (first or reposts[0]).get("title"),
                "first": _brief(first)
                if first
                else {"url": url, "site": None, "snapshot_time": None},
                "reposts": [_brief(r) | {"similarity": r.get("similarity")} for r in reposts],
            }
        )
    clusters.sort(key=lambda c: (-len(c["reposts"]), c["first"]["snapshot_time"] or ""))
    return clusters


def format_table(clusters: list[dict[str, Any]]) -> str:
    """One block per story: a heading, then its first snapshot and each repost on a line."""
    lines = []
    for cluster in clusters:
        lines.append(f"{cluster['story']}  ({len(cluster['reposts'])} reposts)")
        rows = [("first", cluster["first"], "")] + [
            ("repost", r, f"{r['similarity']:.3f}") for r in cluster["reposts"]
        ]
        width = max(len(str(row[1]["site"] or "-")) for row in rows)
        for kind, snap, score in rows:
            site = str(snap["site"] or "-").ljust(width)
            lines.append(
                f"  {kind:<6}  {site}  {snap['snapshot_time'] or '-':<25}  {score:>5}  {snap['url']}"
            )
        lines.append("")
    lines.append(f"stories with reposts: {len(clusters)}")
    return "\n".join(lines)


class Command(ArchiveCommand):
    def short_desc(self) -> str:
        return "Report the stories an archive holds more than once, with their reposts"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        directory = self.archive_dir(args)
        clusters = duplicate_clusters(archive_records(directory))
        if opts.json:
            print(json.dumps(clusters, ensure_ascii=False, indent=2))
        else:
            print(format_table(clusters))
