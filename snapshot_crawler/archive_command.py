"""What the commands that read an archive (``scrapy duplicates``, ``scrapy render``) share."""

from __future__ import annotations

from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from snapshot_crawler import project_path


class ArchiveCommand(ScrapyCommand):
    """A command over one archive folder: the argument, or ``SNAPSHOT_ARCHIVE_DIR``."""

    requires_project = True
    default_settings = {"LOG_ENABLED": False}  # noqa: RUF012 (Scrapy's own commands' form)

    def syntax(self) -> str:
        return "[options] [ARCHIVE_DIR]"

    def archive_dir(self, args: list[str]) -> Path:
        if len(args) > 1:
            raise UsageError("give at most one archive folder")
        assert self.settings is not None
        directory = project_path(args[0] if args else self.settings["SNAPSHOT_ARCHIVE_DIR"])
        if not directory.is_dir():
            raise UsageError(f"no archive folder {directory}")
        return directory
