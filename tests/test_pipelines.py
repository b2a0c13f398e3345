"""Validate and dedup stages, and the settings that switch them off."""

from __future__ import annotations

import pytest
from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured

from snapshot_crawler.items import Snapshot
from snapshot_crawler.pipelines.dedup import DedupPipeline
from snapshot_crawler.pipelines.validate import ValidatePipeline
from snapshot_crawler.signals import snapshot_archived
from snapshot_crawler.urls import clean_url, url_key
from tests.pipeline_helpers import make_crawler


def item(
    url: str = "https://news.example/a.html", content_hash: str = "h1", **fields: object
) -> Snapshot:
    values: dict[str, object] = {
        "url": url,
        "title": "标题",
        "content": "正文。",
        "content_hash": content_hash,
        "snapshot_time": "2024-02-14T08:45:06+08:00",
    }
    values.update(fields)
    return Snapshot(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("missing", ["title", "content"])
def test_validate_drops_items_missing_a_required_field(missing: str) -> None:
    crawler = make_crawler()
    pipeline = ValidatePipeline.from_crawler(crawler)
    with pytest.raises(DropItem, match=missing):
        pipeline.process_item(item(**{missing: "  "}))
    assert crawler.stats is not None
    assert crawler.stats.get_value("snapshot/validate/dropped") == 1
    assert crawler.stats.get_value(f"snapshot/validate/missing/{missing}") == 1


def test_validate_passes_complete_items_and_follows_the_setting() -> None:
    crawler = make_crawler(
        {"SNAPSHOT_REQUIRED_FIELDS": ["url", "title", "content", "publish_time"]}
    )
    pipeline = ValidatePipeline.from_crawler(crawler)
    with pytest.raises(DropItem, match="publish_time"):
        pipeline.process_item(item())
    complete = item(publish_time="2024-02-14T05:21:00+08:00")
    assert pipeline.process_item(complete) is complete


def archive(crawler_item: Snapshot, crawler: object, signal: object = snapshot_archived) -> None:
    """What the archive stage does once the item's line is written."""
    crawler.signals.send_catch_log(signal, item=crawler_item)  # type: ignore[attr-defined]


def test_dedup_drops_the_same_url_and_content_once_archived() -> None:
    crawler = make_crawler()
    pipeline = DedupPipeline.from_crawler(crawler)
    first = item()
    assert pipeline.process_item(first) is first and first.version == 1
    archive(first, crawler)
    with pytest.raises(DropItem, match="unchanged"):
        pipeline.process_item(item(url="https://news.example/a.html?utm_source=feed#comments"))
    assert crawler.stats is not None and crawler.stats.get_value("snapshot/dedup/unchanged") == 1


def test_changed_content_is_the_next_version_of_its_url() -> None:
    crawler = make_crawler()
    pipeline = DedupPipeline.from_crawler(crawler)
    archive(pipeline.process_item(item(snapshot_time="2024-02-14T08:45:06+08:00")), crawler)
    edited = pipeline.process_item(
        item(content_hash="h2", snapshot_time="2024-02-15T08:00:00+08:00")
    )
    assert (edited.version, edited.previous_snapshot_time) == (2, "2024-02-14T08:45:06+08:00")
    archive(edited, crawler)
    third = pipeline.process_item(
        item(content_hash="h3", snapshot_time="2024-02-16T08:00:00+08:00")
    )
    assert (third.version, third.previous_snapshot_time) == (3, "2024-02-15T08:00:00+08:00")
    other = pipeline.process_item(item(url="https://news.example/b.html"))  # same text elsewhere
    assert other.version == 1


def test_dedup_does_not_count_an_item_a_later_stage_dropped() -> None:
    crawler = make_crawler()
    pipeline = DedupPipeline.from_crawler(crawler)
    pipeline.process_item(item())  # never reached the archive: no snapshot_archived
    assert pipeline.process_item(item()).version == 1


def test_without_an_archive_an_item_counts_once_it_passed_every_stage() -> None:
    crawler = make_crawler({"SNAPSHOT_ARCHIVE_ENABLED": False})
    pipeline = DedupPipeline.from_crawler(crawler)
    first = pipeline.process_item(item())
    archive(first, crawler)  # the archive's signal: nobody sends it, nobody listens
    assert pipeline.process_item(item()).version == 1
    archive(first, crawler, signals.item_scraped)
    with pytest.raises(DropItem, match="unchanged"):
        pipeline.process_item(item())


def test_dedup_can_be_switched_off() -> None:
    with pytest.raises(NotConfigured):
        DedupPipeline.from_crawler(make_crawler({"SNAPSHOT_DEDUP_ENABLED": False}))


def test_url_key_drops_tracking_and_fragment_but_keeps_identity() -> None:
    assert (
        url_key("https://News.Example/a.html?utm_medium=x&id=3&spm=1.2#top")
        == "https://news.example/a.html?id=3"
    )
    assert url_key("https://news.example/a.html?id=3") != url_key(
        "https://news.example/a.html?id=4"
    )


def test_links_are_requested_without_tracking_or_session_parameters() -> None:
    # a session id in every link would make one page endless URLs: a crawler trap
    assert (
        clean_url("https://news.example/a.html;jsessionid=0A1B2C?id=3&PHPSESSID=9f&utm_source=x#c")
        == "https://news.example/a.html?id=3"
    )
    # what is not tracking stays as it was, order included; "sid" may number a story
    assert clean_url("https://news.example/list?page=2&b=1&sid=7") == (
        "https://news.example/list?page=2&b=1&sid=7"
    )
