"""Extraction benchmark: quality through the real pipeline, speed against trafilatura.

Run from the repository root (needs the ``bench`` extra for the comparison)::

    pip install -e '.[bench]'
    python bench/extraction.py ../shared/datasets/fundus/manifest.jsonl \
        [--per-page] [--no-trafilatura] [--repeat N] [--scorer PATH]

It prints:

* ``quality (snapshot-crawler): {...}``: the shared scorer's JSON totals for the items that
  ``scrapy replay MANIFEST`` writes (spider callback and pipelines, as in a crawl);
  ``--per-page`` also prints the scorer's per-page rows first.
* a speed table: per extractor, the pages timed, the median, mean and 90th percentile of
  milliseconds per page, and the exceptions caught; then the ours/trafilatura ratio of the
  medians and means. Both extractors run in this process on the same decompressed bytes, one
  after the other on each page (which goes first alternates), after a warm-up on 3 pages; a
  page's time is the mean of its ``--repeat`` calls.
* ``quality (trafilatura): {...}``: the same scorer on ``trafilatura.bare_extraction``'s text,
  title, authors and date, unless trafilatura is missing or ``--no-trafilatura`` is given.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from snapshot_crawler.extract.article import extract_article

try:
    import trafilatura
    from trafilatura.settings import Document
except ImportError:  # the bench extra is not installed: time our extractor only
    trafilatura = None  # type: ignore[assignment]

REPO = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")
WARMUP_PAGES = 3
OURS, THEIRS = "snapshot-crawler", "trafilatura"


class Page(NamedTuple):
    url: str
    body: bytes
    charset: str | None


Extractor = Callable[[Page], object]


def load_pages(manifest: Path) -> list[Page]:
    """The manifest's pages with their bytes (paths relative to the manifest, gunzipped)."""
    pages = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            data = (manifest.parent / entry["path"]).read_bytes()
            body = gzip.decompress(data) if entry["path"].endswith(".gz") else data
            pages.append(Page(entry["url"], body, entry.get("encoding")))
    return pages


def run(command: list[str], what: str) -> str:
    """Run a command from the repository root; its stdout, or exit with its stderr's tail."""
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.splitlines()[-20:])
        sys.exit(f"{what} failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def score(scorer: Path, manifest: Path, items: Path, label: str, per_page: bool) -> None:
    """Print the scorer's totals line, prefixed with ``label`` (its per-page rows before)."""
    flags = ["--per-page"] if per_page else []
    lines = run([sys.executable, str(scorer), str(manifest), str(items), *flags], "scorer")
    *rows, totals = lines.strip().splitlines()
    for row in rows:
        print(row)
    print(f"quality ({label}): {totals}")


def time_extractors(
    pages: list[Page], extractors: dict[str, Extractor], repeat: int
) -> tuple[dict[str, list[float]], dict[str, int], dict[str, list[object]]]:
    """Per extractor: each page's mean ms (pages that raised left out), the exceptions caught,
    and the results page by page (None where it raised)."""
    for page in pages[:WARMUP_PAGES]:
        for extract in extractors.values():
            with contextlib.suppress(Exception):  # counted when timed
                extract(page)
    calls: dict[str, list[list[float]]] = {name: [[] for _ in pages] for name in extractors}
    errors = dict.fromkeys(extractors, 0)
    results: dict[str, list[object]] = {name: [None] * len(pages) for name in extractors}
    names = list(extractors)
    for round_ in range(repeat):
        for i, page in enumerate(pages):
            for name in names if (i + round_) % 2 == 0 else names[::-1]:
                start = time.perf_counter()
                try:
                    results[name][i] = extractors[name](page)
                except Exception:
                    errors[name] += 1
                    continue
                calls[name][i].append((time.perf_counter() - start) * 1000)
    means = {
        name: [statistics.fmean(ms) for ms in per_page if ms] for name, per_page in calls.items()
    }
    return means, errors, results


def print_speed(ms: dict[str, list[float]], errors: dict[str, int]) -> None:
    print(f"{'speed (ms/page)':<16}{'pages':>7}{'median':>8}{'mean':>7}{'p90':>7}{'errors':>9}")
    for name, values in ms.items():
        if not values:
            print(f"{name:<16}{0:>7}{'-':>8}{'-':>7}{'-':>7}{errors[name]:>9}")
            continue
        p90 = (
            statistics.quantiles(values, n=10, method="inclusive")[-1]
            if len(values) > 1
            else values[0]
        )
        median, mean = statistics.median(values), statistics.fmean(values)
        print(f"{name:<16}{len(values):>7}{median:>8.1f}{mean:>7.1f}{p90:>7.1f}{errors[name]:>9}")
    if ms.get(OURS) and ms.get(THEIRS):
        ours, theirs = ms[OURS], ms[THEIRS]
        median_ratio = statistics.median(ours) / statistics.median(theirs)
        mean_ratio = statistics.fmean(ours) / statistics.fmean(theirs)
        print(f"ratio (ours / trafilatura): median {median_ratio:.2f}, mean {mean_ratio:.2f}")


def trafilatura_item(url: str, doc: object) -> dict[str, Any] | None:
    """A snapshot-like item of what trafilatura found, for the scorer (None: it found nothing)."""
    if not isinstance(doc, Document):
        return None
    authors = (doc.author or "").replace(";", ",").split(",")
    return {
        "url": url,
        "title": doc.title,
        "content": doc.text,
        "authors": [name.strip() for name in authors if name.strip()],
        "publish_time": doc.date,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("manifest", type=Path, help="dataset manifest (JSON lines)")
    parser.add_argument("--per-page", action="store_true", help="print the scorer's page rows")
    parser.add_argument("--no-trafilatura", action="store_true", help="time our extractor only")
    parser.add_argument("--repeat", type=int, default=1, help="timed calls per page (default 1)")
    parser.add_argument(
        "--scorer", type=Path, default=REPO.parent / "shared/tools/score_extraction.py"
    )
    args = parser.parse_args()
    manifest, scorer = args.manifest.resolve(), args.scorer.resolve()

    with tempfile.TemporaryDirectory(prefix="bench-extraction-") as tmp:
        items = Path(tmp) / "items.jsonl"
        replay = ["-m", "scrapy", "replay", str(manifest), "-O", str(items)]
        run([sys.executable, *replay, "-s", "LOG_LEVEL=WARNING"], "scrapy replay")
        score(scorer, manifest, items, OURS, args.per_page)

        now = datetime.now(TZ)
        extractors: dict[str, Extractor] = {
            OURS: lambda p: extract_article(
                p.body, p.url, now=now, default_tz=TZ, http_charset=p.charset
            )
        }
        if trafilatura is None:
            print(
                "note: trafilatura is not installed (pip install -e '.[bench]'); timing ours only"
            )
        elif not args.no_trafilatura:
            extractors[THEIRS] = lambda p: trafilatura.bare_extraction(
                p.body, url=p.url, with_metadata=True
            )
        pages = load_pages(manifest)
        ms, errors, results = time_extractors(pages, extractors, max(args.repeat, 1))
        print_speed(ms, errors)

        if THEIRS in extractors:
            found = (
                trafilatura_item(p.url, r) for p, r in zip(pages, results[THEIRS], strict=True)
            )
            lines = [json.dumps(item, ensure_ascii=False) + "\n" for item in found if item]
            items.write_text("".join(lines), encoding="utf-8")
            score(scorer, manifest, items, THEIRS, args.per_page)


if __name__ == "__main__":
    main()
