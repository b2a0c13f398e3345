"""The shipped JSON Schema and the Snapshot item describe the same archive line."""

from __future__ import annotations

import inspect
from typing import Any

from jsonschema import Draft202012Validator

from snapshot_crawler.items import Snapshot
from tests.conftest import snapshot_field_names


def test_schema_properties_are_the_item_fields(schema: dict[str, Any]) -> None:
    assert list(schema["properties"]) == snapshot_field_names()
    assert set(schema["required"]) <= set(snapshot_field_names())


def test_every_item_field_has_a_docstring() -> None:
    source = inspect.getsource(Snapshot)
    for name in snapshot_field_names():
        line_after_field = source.split(f"\n    {name}:", 1)[1].split("\n", 2)[1]
        assert line_after_field.strip().startswith('"""'), f"{name} has no docstring"


def test_a_snapshot_needs_its_run_fields(schema: dict[str, Any], validate_line: Any) -> None:
    record: dict[str, Any] = {
        "url": "https://news.example/a.html",
        "title": "标题",
        "content": "正文。",
    }
    assert list(Draft202012Validator(schema).iter_errors(record))  # no snapshot_time, site, ...
    record |= {
        "authors": [],
        "related": [],
        "snapshot_time": "2024-02-14T08:45:06+08:00",
        "version": 1,
        "site": "demo",
        "content_hash": "0" * 64,
    }
    validate_line(record)
