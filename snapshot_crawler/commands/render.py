"""``scrapy render [ARCHIVE_DIR] [--url U] [--site S] [--date D] [--cluster U] [--html DIR]``:
snapshots of an archive in the snapshot site's format, as text, or one HTML page each."""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Any

from snapshot_crawler.archive_command import ArchiveCommand
from snapshot_crawler.pipelines.archive import archive_records
from snapshot_crawler.render import render_html, render_text


def selected(record: dict[str, Any], opts: argparse.Namespace) -> bool:
    """Whether a snapshot matches every filter given."""
    return (
        (opts.url is None or record["url"] == opts.url)
        and (opts.site is None or record.get("site") == opts.site)
        and (opts.date is None or str(record.get("snapshot_time", "")).startswith(opts.date))
        and (opts.cluster is None or opts.cluster in (record["url"], record.get("duplicate_of")))
    )


def page_name(record: dict[str, Any]) -> str:
    """A file name per snapshot: site, snapshot time and a short hash of the URL."""
    digest = hashlib.sha256(record["url"].encode()).hexdigest()[:12]
    stamp = "".join(c for c in str(record.get("snapshot_time", ""))[:19] if c.isdigit())
    return f"{record.get('site') or 'site'}-{stamp}-{digest}.html"


class Command(ArchiveCommand):
    def short_desc(self) -> str:
        return "Show archived snapshots in the snapshot format, as text or HTML pages"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--url", help="the snapshots of this URL")
        parser.add_argument("--site", help="the snapshots of this site")
        parser.add_argument("--date", help="the snapshots taken on this day (YYYY-MM-DD)")
        parser.add_argument("--cluster", help="a story: its first snapshot's URL, and copies")
        parser.add_argument("--html", metavar="DIR", help="write one HTML page per snapshot")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        directory = self.archive_dir(args)
        records = [r for r in archive_records(directory) if selected(r, opts)]
        if opts.html:
            out = Path(opts.html)
            out.mkdir(parents=True, exist_ok=True)
            for record in records:
                path = out / page_name(record)
                path.write_text(render_html(record), encoding="utf-8")
                print(path)
        else:
            print("\n\n".join(render_text(r) for r in records))
