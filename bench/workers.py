"""Pages per second of one crawl process, and of 1 and 2 workers sharing the crawl through Redis.

Generates the synthetic site (``bench/synthetic_site.py``), serves it with nginx on 127.0.0.1,
starts a private redis-server, and crawls the whole site three times from scratch: one process
with the default SQLite state, then 1 and 2 workers with ``SNAPSHOT_STATE_URL``. Politeness is
off (a local server); everything else is the default pipeline (extraction, dedup, archive,
WARC). Run from the repository root::

    python bench/workers.py [--articles 2000] [--port 8089]

A crawl's time runs from its workers' start to the last archive line written (so a worker's
idle wait before it stops is not counted); pages are the downloads of all its workers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_site import Nginx, generate
from throughput import project_crawl_settings, settings_args

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    try:
        yield url
    finally:
        server.terminate()
        server.wait()


def crawl(site_file: Path, work: Path, workers: int, redis_url: str | None) -> dict[str, Any]:
    """One crawl of the whole site by ``workers`` processes; its figures."""
    settings = project_crawl_settings(work)
    if redis_url:
        settings += [f"SNAPSHOT_STATE_URL={redis_url}", "SNAPSHOT_REDIS_IDLE_CLOSE=2"]
    work.mkdir(parents=True)
    started = time.time()
    processes = []
    for number in range(workers):
        command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"site={site_file}"]
        command += [*settings_args(settings), "--logfile", str(work / f"worker-{number}.log")]
        processes.append(subprocess.Popen(command, cwd=ROOT))
    statuses = [p.wait() for p in processes]
    files = sorted((work / "archive").glob("*/*.jsonl"))
    lines = [json.loads(line) for f in files for line in f.read_text("utf-8").splitlines()]
    seconds = max(f.stat().st_mtime for f in files) - started
    runs = [json.loads(line) for line in (work / "runs.jsonl").read_text("utf-8").splitlines()]
    pages = sum(run["requests"] for run in runs)
    urls = Counter(line["url"] for line in lines)
    return {
        "workers": workers,
        "state": "redis" if redis_url else "sqlite",
        "exit_statuses": statuses,
        "pages": pages,
        "archived": len(lines),
        "archived_twice": sum(1 for n in urls.values() if n > 1),
        "per_worker": [len(f.read_text("utf-8").splitlines()) for f in files],
        "seconds": round(seconds, 1),
        "pages_per_second": round(pages / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--port", type=int, default=8089)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    try:
        base_url = f"http://127.0.0.1:{args.port}"
        generate(folder / "site", args.articles, base_url=base_url)
        site_file = folder / "site" / "synthetic.toml"
        with Nginx(folder / "site" / "www", args.port), redis_server(folder) as url:
            client = redis.Redis.from_url(url)
            results = [crawl(site_file, folder / "sqlite-1", 1, None)]
            for workers in (1, 2):
                client.flushdb()
                baseline = client.info("memory")["used_memory"]
                result = crawl(site_file, folder / f"redis-{workers}", workers, url)
                used = client.info("memory")["used_memory"] - baseline
                result["redis_bytes_per_article"] = round(used / max(1, result["archived"]))
                results.append(result)
        single = results[1]["pages_per_second"]
        print(
            f"synthetic site: {args.articles} articles, nginx on 127.0.0.1, {os.cpu_count()} cores"
        )
        for result in results:
            result["ratio_to_1_redis_worker"] = round(result["pages_per_second"] / single, 2)
            print(json.dumps(result))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
