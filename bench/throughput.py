"""Pages per second and peak memory of the project's whole crawl, against a bare Scrapy spider
and a spider that runs trafilatura in its callback, on the same site in the same run.

What the project's pipeline costs is only meaningful next to what Scrapy alone costs on the same
machine and site: this benchmark generates the synthetic site (``bench/synthetic_site.py``),
serves it with nginx on 127.0.0.1, and crawls all of it three times, one crawl after the other,
each a ``scrapy`` process under ``/usr/bin/time -v``:

* ``bare``: ``bench/bare_spiders.py``, every in-site link of every page followed with Scrapy's
  own link handling, an item of URL and ``<h1>`` per article page; run with ``scrapy
  runspider`` outside the project, so none of its settings, pipelines, middlewares, extensions
  or add-ons are loaded;
* ``trafilatura``: the same spider calling ``trafilatura.bare_extraction`` on article pages;
* ``full``: ``scrapy crawl news -a site=<site>/synthetic.toml`` with every project default
  (extraction, normalization, dedup, archive, WARC), its files kept in the work folder.

All three run with politeness off (no delay, no AutoThrottle, 16 requests in flight, robots.txt
not read, no depth limit). Their figures are Scrapy's own stats, which ``StatsToFile``
(``bench/bare_spiders.py``, added to each crawl's extensions) writes to a file: pages are
``response_received_count``, seconds ``elapsed_time_seconds``; peak RSS is ``/usr/bin/time``'s.
The ``full`` crawl's archive is then scored against the site's truth with
``../shared/tools/score_extraction.py``. Run from the repository root::

    python bench/throughput.py [--articles 5000] [--port 8089] [--runs bare,trafilatura,full]
        [--keep DIR]

It prints one JSON line per crawl (pages, seconds, pages per second, peak RSS, ratios to the
baselines, items scraped and exit status), then ``{"crawl": "full", "quality": {...}}`` with the
scorer's totals; problems (a non-zero exit status, articles missing from the archive, fields
that fail on some pages) go to stderr. ``--keep DIR`` works in DIR (new or empty, outside the
project) and keeps it: the site, each crawl's log, stats, ``time -v`` output and, for ``full``,
its archive, WARC files and the scorer's per-page rows. Timings depend on the machine and its
load; compare figures of the same run.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scrapy.utils.conf import closest_scrapy_cfg

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from synthetic_site import Nginx, generate

from snapshot_crawler import settings as project_settings

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SCORER = ROOT.parent / "shared" / "tools" / "score_extraction.py"
TIME = "/usr/bin/time"
CRAWLS = ("bare", "trafilatura", "full")
STATS_EXTENSION = "bare_spiders.StatsToFile"
UNLIMITED = (
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=False",
    "CONCURRENT_REQUESTS=16",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "ROBOTSTXT_OBEY=False",
    # the site paginates its lists deep: walk them all (the site file bounds list_depth)
    "DEPTH_LIMIT=0",
    "LOG_LEVEL=INFO",
)
# The project's component settings, all empty for the bare crawls (EXTENSIONS: the stats one only).
PROJECT_COMPONENTS = ("ITEM_PIPELINES", "SPIDER_MIDDLEWARES", "DOWNLOADER_MIDDLEWARES", "ADDONS")
# The project closes Scrapy's telnet console and remote-control server; so do the bare crawls.
NO_CONSOLES = ("TELNETCONSOLE_ENABLED=False", "REMOTE_CONTROL_ENABLED=False")
# How long a crawl stopped by Ctrl-C or an error gets to close before it is killed.
STOP_SECONDS = 15.0
PER_PAGE_FIELDS = ("title", "authors", "publish_time", "publish_minute", "source", "reposted_from")
CONTENT_F1_OK = 0.99


def run(command: list[str], cwd: Path, env: dict[str, str], work: Path) -> tuple[int, float]:
    """``command`` under ``/usr/bin/time -v`` in its own process group (so that a Ctrl-C meant
    for the benchmark does not reach it half-way); its exit status and peak RSS in MiB. On any
    exception, Ctrl-C included, the crawl is stopped (SIGINT to the group: Scrapy closes, time
    waits for it), then killed if it does not end in ``STOP_SECONDS``."""
    time_file = work / "time.txt"
    with (work / "stdout.txt").open("wb") as out, (work / "stderr.txt").open("wb") as err:
        process = subprocess.Popen(
            [TIME, "-v", "-o", str(time_file), *command],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        try:
            process.wait()
        except BaseException:
            stop(process)
            raise
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_file.read_text())
    if match is None:
        raise RuntimeError(f"no peak RSS in {time_file}")
    return process.returncode, int(match[1]) / 1024


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ends ``process`` and its process group (the crawl under ``time``)."""
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=STOP_SECONDS)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        # time is gone once the crawl is: kill whatever of the group is left, either way
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def settings_args(settings: Iterable[str]) -> list[str]:
    return [arg for setting in settings for arg in ("-s", setting)]


def bare_command(crawl: str, base_url: str, work: Path) -> tuple[list[str], Path, dict[str, str]]:
    """``scrapy runspider`` of the bare spider, from ``work``: outside the project, so that no
    scrapy.cfg, and so none of its settings, is found; the component settings are emptied as
    well, in case."""
    if closest_scrapy_cfg(str(work)):
        raise SystemExit(f"{work} is inside a Scrapy project: keep the work folder elsewhere")
    env = {
        k: v for k, v in os.environ.items() if k not in ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT")
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH), os.environ.get("PYTHONPATH")]))
    extractor = "trafilatura" if crawl == "trafilatura" else "none"
    settings = [
        *UNLIMITED,
        *NO_CONSOLES,
        *(f"{name}={{}}" for name in PROJECT_COMPONENTS),
        f"EXTENSIONS={json.dumps({STATS_EXTENSION: 0})}",
        f"BENCH_STATS_FILE={work / 'stats.json'}",
    ]
    command = [
        sys.executable, "-m", "scrapy", "runspider", str(BENCH / "bare_spiders.py"),
        "-a", f"base_url={base_url}", "-a", f"extractor={extractor}",
        *settings_args(settings), "--logfile", str(work / "crawl.log"),
    ]  # fmt: skip
    return command, work, env


def project_crawl_settings(work: Path) -> list[str]:
    """The project's crawl with politeness off and its files (archive, state, runs log, WARC)
    under ``work``: the settings every benchmark crawl of the synthetic site uses."""
    return [
        *UNLIMITED,
        f"SNAPSHOT_ARCHIVE_DIR={work / 'archive'}",
        f"SNAPSHOT_STATE_DIR={work / 'state'}",
        f"SNAPSHOT_RUNS_LOG={work / 'runs.jsonl'}",
        f"SNAPSHOT_WARC_DIR={work / 'warc'}",
    ]


def full_command(site: Path, work: Path) -> tuple[list[str], Path, dict[str, str]]:
    """``scrapy crawl news`` from the project, its files under ``work``. ``-s EXTENSIONS``
    replaces the project's dict, so it is given the project's extensions plus the stats one."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH), os.environ.get("PYTHONPATH")]))
    extensions = {**project_settings.EXTENSIONS, STATS_EXTENSION: 0}
    settings = [
        *project_crawl_settings(work),
        f"EXTENSIONS={json.dumps(extensions)}",
        f"BENCH_STATS_FILE={work / 'stats.json'}",
    ]
    command = [
        sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"site={site / 'synthetic.toml'}",
        *settings_args(settings), "--logfile", str(work / "crawl.log"),
    ]  # fmt: skip
    return command, ROOT, env


def loaded_extensions(log: str) -> set[str]:
    """The extensions a crawl's log shows loaded: enabled, or disabled by themselves
    (NotConfigured, as the Redis one is without Redis) rather than left out of the settings."""
    match = re.search(r"Enabled extensions:\n(\[.*?\])\n", log, re.S)
    enabled: list[str] = ast.literal_eval(match[1]) if match else []
    return set(enabled) | set(re.findall(r"Disabled (\S+): ", log))


def crawl(name: str, articles: int, base_url: str, site: Path, work: Path) -> dict[str, Any]:
    """One crawl of the whole site; its figures."""
    work.mkdir()
    if name == "full":
        command, cwd, env = full_command(site, work)
    else:
        command, cwd, env = bare_command(name, base_url, work)
    status, peak_rss = run(command, cwd, env, work)
    stats_file = work / "stats.json"
    if not stats_file.exists():
        log = work / "crawl.log"
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        stderr = (work / "stderr.txt").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{name} crawl (exit {status}) wrote no stats:\n{tail}\n{stderr}")
    stats = json.loads(stats_file.read_text("utf-8"))
    log = (work / "crawl.log").read_text("utf-8", errors="replace")
    expected = {STATS_EXTENSION}
    if name == "full":
        expected |= {
            path for path, order in project_settings.EXTENSIONS.items() if order is not None
        }
    if missing := expected - loaded_extensions(log):
        raise RuntimeError(f"{name} crawl: extensions not loaded: {sorted(missing)}")
    if name != "full" and "snapshot_crawler" in log:
        raise RuntimeError(f"{name} crawl: the project's components were loaded; see {work}")
    pages = stats.get("response_received_count", 0)
    seconds = float(stats["elapsed_time_seconds"])
    result: dict[str, Any] = {
        "crawl": name,
        "articles": articles,
        "pages": pages,
        "seconds": round(seconds, 2),
        "pages_per_second": round(pages / seconds, 1),
        "peak_rss_mib": round(peak_rss, 1),
        "items": stats.get("item_scraped_count", 0),
        "exit_status": status,
    }
    if status != 0:
        print(
            f"warning: {name} crawl exited with {status}; see {work / 'crawl.log'}", file=sys.stderr
        )
    return result


def score(manifest: Path, work: Path) -> dict[str, Any]:
    """The scorer's totals for the ``full`` crawl's archive; fields that failed on some pages,
    with example URLs, to stderr."""
    archive = work / "archive.jsonl"
    with archive.open("wb") as out:
        for part in sorted((work / "archive").glob("*/*.jsonl")):
            out.write(part.read_bytes())
    command = [sys.executable, str(SCORER), str(manifest), str(archive), "--per-page"]
    lines = subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()
    (work / "quality-per-page.jsonl").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    rows = [json.loads(line) for line in lines[:-1]]
    problems = {"not archived": [r["url"] for r in rows if not r["found"]]}
    for field in PER_PAGE_FIELDS:
        problems[field] = [r["url"] for r in rows if r["found"] and r.get(field) is False]
    problems[f"content_f1 < {CONTENT_F1_OK}"] = [
        r["url"] for r in rows if r["found"] and r.get("content_f1", 1) < CONTENT_F1_OK
    ]
    for problem, urls in problems.items():
        if urls:
            print(
                f"full crawl, {problem}: {len(urls)} pages, e.g. {' '.join(urls[:3])}",
                file=sys.stderr,
            )
    totals: dict[str, Any] = json.loads(lines[-1])
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument(
        "--runs", default=",".join(CRAWLS), help=f"crawls to run, of {','.join(CRAWLS)}"
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR, and keep it")
    args = parser.parse_args()
    chosen = {name.strip() for name in args.runs.split(",") if name.strip()}
    if not chosen or chosen - set(CRAWLS):
        parser.error(f"--runs takes some of {','.join(CRAWLS)}")
    if not SCORER.exists() and "full" in chosen:
        parser.error(f"the scorer is missing: {SCORER}")
    if args.keep:
        folder = args.keep.resolve()
        if folder.exists() and any(folder.iterdir()):
            parser.error(f"{folder} is not empty")
        if closest_scrapy_cfg(str(folder)):
            parser.error(f"{folder} is inside a Scrapy project")
        folder.mkdir(parents=True, exist_ok=True)
    else:
        folder = Path(tempfile.mkdtemp(prefix="bench-throughput-"))
    # a kill stops the crawls and nginx as Ctrl-C does, and Ctrl-C does even when the benchmark
    # was started in the background (which ignores it)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        base_url = f"http://127.0.0.1:{args.port}"
        site = folder / "site"
        generate(site, args.articles, base_url=base_url)
        results: dict[str, dict[str, Any]] = {}
        with Nginx(site / "www", args.port):
            for name in (c for c in CRAWLS if c in chosen):
                results[name] = crawl(name, args.articles, base_url, site, folder / name)
        quality = score(site / "manifest.jsonl", folder / "full") if "full" in results else None
        for name, result in results.items():
            figures = {k: v for k, v in result.items() if k not in ("items", "exit_status")}
            for baseline in ("bare", "trafilatura") if name == "full" else ("bare",):
                if baseline in results:
                    ratio = result["pages_per_second"] / results[baseline]["pages_per_second"]
                    figures[f"ratio_to_{baseline}"] = round(ratio, 3)
            print(json.dumps({**figures, **result}), flush=True)
        if quality is not None:
            print(json.dumps({"crawl": "full", "quality": quality}), flush=True)
    finally:
        if args.keep:
            print(f"work folder kept: {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")
