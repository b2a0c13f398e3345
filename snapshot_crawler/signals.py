"""The project's own Scrapy signal."""

snapshot_archived = object()
"""Sent by the archive stage right after a snapshot's line is written, with ``item``. The
crawl state records the snapshot then, in the same call, rather than at ``item_scraped``
(after every stage and signal handler): the less time between the line and its record, the
less a killed process can leave lines that the state does not know."""
