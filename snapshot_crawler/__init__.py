"""snapshot-crawler: crawl news sites and keep normalized snapshots of their articles."""

from pathlib import Path

from scrapy.utils.conf import closest_scrapy_cfg


def project_path(value: str | Path) -> Path:
    """Resolve a path setting: relative paths are taken from the project directory.

    The project directory is the folder of the nearest ``scrapy.cfg``, so ``archive/`` lands
    beside it whichever folder ``scrapy`` is started from; outside a project, the current one.
    """
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    cfg = closest_scrapy_cfg()
    return (Path(cfg).parent if cfg else Path.cwd()) / path
