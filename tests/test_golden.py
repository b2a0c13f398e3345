"""Every golden page replayed through the real spider callback and pipelines must give exactly
its saved snapshot (regenerate them with ``python -m tests.golden`` after an intended change)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.golden import expected_path, manifest, replay_fixtures

ENTRIES = manifest()


@pytest.fixture(scope="module")
def replayed() -> dict[str, dict[str, Any]]:
    return replay_fixtures()


def test_every_page_has_its_expected_snapshot() -> None:
    assert len(ENTRIES) >= 6
    for entry in ENTRIES:
        assert expected_path(entry).is_file(), f"run python -m tests.golden for {entry['path']}"


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["path"] for e in ENTRIES])
def test_golden_snapshot(
    entry: dict[str, Any], replayed: dict[str, dict[str, Any]], validate_line: Any
) -> None:
    expected = json.loads(expected_path(entry).read_text(encoding="utf-8"))
    item = replayed.get(entry["url"])
    assert item is not None, f"no item for {entry['path']}"
    validate_line(item)
    assert item == expected
