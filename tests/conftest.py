"""Shared test helpers: the archive line schema, and the demo site's truth."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import fields
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import redis
from jsonschema import Draft202012Validator

from snapshot_crawler.items import Snapshot

ROOT = Path(__file__).resolve().parent.parent
DEMO_SITE = ROOT / "fixtures" / "demo-site"


@pytest.fixture(scope="session")
def schema() -> dict[str, Any]:
    text = (
        resources.files("snapshot_crawler")
        .joinpath("schema/snapshot.schema.json")
        .read_text("utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return schema


@pytest.fixture(scope="session")
def validate_line(schema: dict[str, Any]) -> Any:
    """Asserts that one archive record is valid against the shipped JSON Schema."""
    validator = Draft202012Validator(schema)

    def validate(record: dict[str, Any]) -> None:
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(record)]
        assert not errors, f"{record.get('url')}: {errors}"

    return validate


@pytest.fixture(scope="session")
def demo_truth() -> dict[str, dict[str, Any]]:
    """The demo site's expected snapshots, by file:// URL."""
    truth = {}
    for line in (DEMO_SITE / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        truth[(DEMO_SITE / entry["path"]).resolve().as_uri()] = entry
    return truth


def snapshot_field_names() -> list[str]:
    return [f.name for f in fields(Snapshot)]


def scrapy_command(
    *args: str, work: Path, archive: Path | None = None, settings: tuple[str, ...] = ()
) -> list[str]:
    """``scrapy ARGS`` with every file a crawl writes kept under ``work``: the crawl state,
    runs log and WARC files, and the archive (in ``archive``, default ``work/archive``)."""
    command = [sys.executable, "-m", "scrapy", *args]
    for setting in (
        f"SNAPSHOT_ARCHIVE_DIR={archive or work / 'archive'}",
        f"SNAPSHOT_STATE_DIR={work / 'state'}",
        f"SNAPSHOT_RUNS_LOG={work / 'runs.jsonl'}",
        f"SNAPSHOT_WARC_DIR={work / 'warc'}",
        *settings,
    ):
        command += ["-s", setting]
    return command


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Redis server of the tests: the one ``.ci/run`` started (its URL in
    ``SNAPSHOT_TEST_REDIS_URL``), else one started here on a free port of 127.0.0.1."""
    url = os.environ.get("SNAPSHOT_TEST_REDIS_URL")
    if url:
        yield url.rstrip("/")
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("the Redis tests need redis-server (Debian: apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    client.close()
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """An emptied database of the tests' Redis server."""
    url = f"{redis_server}/0"
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url
