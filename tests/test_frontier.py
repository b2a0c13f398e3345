"""The local crawl frontier: requests wait on disk in a folder of the run's own."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from scrapy.settings import Settings

from snapshot_crawler.frontier import LocalFrontier, remove_orphans
from tests.conftest import ROOT, scrapy_command


def test_add_on_steps_aside_for_redis_and_for_chosen_classes() -> None:
    chosen = Settings({"SCHEDULER": "my.Scheduler"})
    chosen.set("SCHEDULER", "my.Scheduler", "project")
    LocalFrontier().update_settings(chosen)
    assert chosen["SCHEDULER"] == "my.Scheduler"
    chosen = Settings()
    LocalFrontier().update_settings(chosen)
    assert chosen["SCHEDULER"] == "snapshot_crawler.frontier.DiskQueueScheduler"
    redis = Settings({"SNAPSHOT_STATE_URL": "redis://localhost/0"})
    LocalFrontier().update_settings(redis)
    assert redis["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"


def test_orphans_of_dead_crawls_are_removed(tmp_path: Path) -> None:
    gone = tmp_path / "snapshot-queue-999999999-abc"  # above any pid_max
    alive = tmp_path / f"snapshot-queue-{os.getppid()}-abc"
    gone.mkdir()
    alive.mkdir()
    remove_orphans(tmp_path)
    assert not gone.exists() and alive.exists()


def test_demo_crawl_queues_on_disk_and_cleans_up(tmp_path: Path) -> None:
    queues = tmp_path / "queues"
    command = scrapy_command(
        "crawl", "news", "-a", "site=demo", work=tmp_path, archive=tmp_path / "archive",
        settings=(f"SNAPSHOT_QUEUE_DIR={queues}", "LOG_LEVEL=INFO"),
    )  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "'scheduler/enqueued/disk'" in result.stderr
    assert "scheduler/enqueued/memory" not in result.stderr
    assert "scheduler/unserializable" not in result.stderr
    assert queues.is_dir() and not any(queues.iterdir())
