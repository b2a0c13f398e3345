"""Golden fixtures: saved pages under fixtures/pages/<site>/<name>.html, listed with their URL
and snapshot time in fixtures/pages/manifest.jsonl, and the snapshot each must produce in
<name>.json beside it.

    python -m tests.golden     # regenerate every <name>.json from the current extractor

Review the diff of the JSON files before committing them: they are the expected output.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "fixtures" / "pages"
MANIFEST = PAGES / "manifest.jsonl"
# Fields that describe the run rather than the page; the manifest fixes snapshot_time.
RUN_FIELDS = ("site",)


def manifest() -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for line in MANIFEST.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def expected_path(entry: dict[str, Any]) -> Path:
    return (PAGES / str(entry["path"])).with_suffix(".json")


def replay(source: Path, *settings: str) -> list[dict[str, Any]]:
    """Run ``scrapy replay`` on a manifest or folder in a subprocess; the items it exported."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "items.jsonl"
        args = [
            sys.executable,
            "-m",
            "scrapy",
            "replay",
            str(source),
            "-O",
            str(out),
            "-s",
            "LOG_LEVEL=WARNING",
        ]
        for setting in settings:
            args += ["-s", setting]
        result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(
                f"scrapy replay failed ({result.returncode}):\n{result.stderr[-4000:]}"
            )
        return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def replay_fixtures() -> dict[str, dict[str, Any]]:
    """Every golden page replayed through the spider and pipelines, by URL."""
    return {item["url"]: item for item in replay(MANIFEST)}


def main() -> None:
    items = replay_fixtures()
    for entry in manifest():
        item = items.get(entry["url"])
        if item is None:
            print(f"no item for {entry['path']}", file=sys.stderr)
            continue
        expected_path(entry).write_text(
            json.dumps(item, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        print(f"wrote {expected_path(entry).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
