"""Project settings. Every setting has a working default; override with ``-s NAME=VALUE``, in a
site file's ``[settings]`` table, or here. Scrapy's own settings are documented by Scrapy; the
``SNAPSHOT_*`` ones are this project's."""

from snapshot_crawler.extract.text import DEFAULT_BOILERPLATE_PATTERNS

BOT_NAME = "snapshot_crawler"
SPIDER_MODULES = ["snapshot_crawler.spiders"]
NEWSPIDER_MODULE = "snapshot_crawler.spiders"
COMMANDS_MODULE = "snapshot_crawler.commands"

# --- politeness: defaults for remote news sites; a site file or -s can change each ---------
# Identify the crawler honestly; sites may block or throttle it by this name.
USER_AGENT = "snapshot-crawler/0.1 (news snapshot archiver; Scrapy)"
ROBOTSTXT_OBEY = True
# At most this many requests in flight to one site.
CONCURRENT_REQUESTS_PER_DOMAIN = 2
CONCURRENT_REQUESTS = 16
# The least delay between two requests to one site; AutoThrottle raises it when the site slows.
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# How many links deep from the start pages a crawl goes (0: no limit).
DEPTH_LIMIT = 5
DOWNLOAD_TIMEOUT = 30
# Pages above this size are not downloaded: no news article needs 16 MiB of HTML.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# Retry transient failures a few times before the request is given up and counted.
RETRY_TIMES = 2
# A site answering 429 or 5xx gets this long before the next request: its Retry-After, else
# SNAPSHOT_BACKOFF_BASE seconds doubled with each retry, never more than SNAPSHOT_BACKOFF_MAX.
SNAPSHOT_BACKOFF_ENABLED = True
SNAPSHOT_BACKOFF_BASE = 2.0
SNAPSHOT_BACKOFF_MAX = 120.0
# Outputs of one response handled at once. Scrapy starts this many asyncio tasks for every
# response (100 by default); the pipelines here are synchronous, so more than a few only cost
# time: 4 made a crawl of the synthetic site (bench/) 12% faster.
CONCURRENT_ITEMS = 4
COOKIES_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    # answers replayed requests (scrapy replay) from saved files; passes every other one on
    "snapshot_crawler.replay.ReplayDownloaderMiddleware": 50,
    # writes raw captures to WARC, after every other middleware has had the response
    "snapshot_crawler.middlewares.capture.WarcCaptureMiddleware": 60,
    # slows down for a site that answers 429 or 5xx, before RetryMiddleware (550) retries
    "snapshot_crawler.middlewares.backoff.BackoffMiddleware": 560,
}
SPIDER_MIDDLEWARES = {
    # skips article pages the crawl state already holds (SNAPSHOT_INCREMENTAL_ENABLED)
    "snapshot_crawler.middlewares.incremental.IncrementalMiddleware": 950,
    # Redis mode: releases a request's lease once its response's items are through; outermost,
    # so it sees what every other middleware let through
    "snapshot_crawler.scaleout.workers.LeaseRelease": 10,
}
EXTENSIONS = {
    # the site's lock and crawl state, shared by the incremental middleware and dedup pipeline
    "snapshot_crawler.extensions.crawl_state.CrawlState": 100,
    # Redis mode: heartbeat, dead workers' requests back to the queue, stop when all is done
    "snapshot_crawler.scaleout.workers.Workers": 150,
    # the run's summary, runs log line and exit status
    "snapshot_crawler.extensions.run_report.RunReport": 200,
}
ADDONS = {
    # with SNAPSHOT_STATE_URL set, puts scrapy-redis' shared scheduler in place of Scrapy's
    "snapshot_crawler.scaleout.RedisScaleOut": 0,
    # without Redis: the scheduler's waiting requests on disk (frontier.py)
    "snapshot_crawler.frontier.LocalFrontier": 0,
}

ITEM_PIPELINES = {
    "snapshot_crawler.pipelines.validate.ValidatePipeline": 100,
    "snapshot_crawler.pipelines.normalize.NormalizePipeline": 200,
    "snapshot_crawler.pipelines.dedup.DedupPipeline": 300,
    "snapshot_crawler.pipelines.archive.ArchivePipeline": 900,
}

# --- snapshot-crawler ------------------------------------------------------------------------
# Time zone for times a page writes without one, unless the site file names its own.
SNAPSHOT_TIMEZONE = "Asia/Shanghai"
# Without a site file's zone, first read such times in the zone the page itself indicates (a
# UTC offset on another of its timestamps, its country domain, its language) and fall back to
# SNAPSHOT_TIMEZONE only when it gives none; False: always SNAPSHOT_TIMEZONE.
SNAPSHOT_INFER_TIMEZONE = True

# Fields an item must have (non-empty) to be archived; others are dropped and counted.
SNAPSHOT_REQUIRED_FIELDS = ["url", "title", "content"]

# Lines of text matching any of these regexes (after NFKC) are removed from the content.
SNAPSHOT_BOILERPLATE_PATTERNS = list(DEFAULT_BOILERPLATE_PATTERNS)
# More patterns, added to the ones above (so a site file can extend without repeating them).
SNAPSHOT_BOILERPLATE_EXTRA_PATTERNS: list[str] = []

# Drop a page unchanged since its URL's last snapshot, version a changed one, and look for
# copies of other URLs' stories (False: archive every snapshot as it comes).
SNAPSHOT_DEDUP_ENABLED = True

# Copies of an archived story under another URL, on any site (reposts, the same text under
# another template): "mark" archives them with duplicate_of and similarity, "drop" archives
# only the first copy, "off" does not look.
SNAPSHOT_DUPLICATES = "mark"
# A text is a near-duplicate of an original when the estimated Jaccard similarity of their
# shingles is at least this (reposts with a sentence or two edited score 0.6 to 0.95; distinct
# articles that share a first paragraph, under 0.25). Texts under 200 letters match exactly only.
SNAPSHOT_NEAR_DUPLICATE_SIMILARITY = 0.5

# Crawl state kept between runs: one SQLite file per site in this folder (relative paths are
# taken from the project directory), beside the site's lock file (<site>.lock: one run per site
# at a time); an empty value keeps the state in memory for one run only, and takes no lock.
SNAPSHOT_STATE_DIR = "state"
# Start the crawl state over (-s SNAPSHOT_STATE_RESET=1): everything is new again.
SNAPSHOT_STATE_RESET = False
# Scale out: keep the crawl state, the near-duplicate index, the request queue and the
# seen-request set in this Redis server (redis://host:port/db) instead of SQLite, so that any
# number of workers, on any number of machines, crawl a site together; empty: SQLite. Each
# worker still takes a number in SNAPSHOT_STATE_DIR (<site>.worker-<n>.lock), which names its
# archive and WARC files.
SNAPSHOT_STATE_URL = ""
# This worker's name in file names and in Redis (empty: <host name>-<worker number>).
SNAPSHOT_WORKER_ID = ""
# Redis mode: a worker stops once the shared queue has been empty, with no worker holding a
# request, for this many seconds.
SNAPSHOT_REDIS_IDLE_CLOSE = 30.0
# Redis mode: a worker silent for this many seconds is taken for dead, and the requests it
# held go back to the queue (it renews its deadline every few seconds while it runs).
SNAPSHOT_REDIS_WORKER_TIMEOUT = 60.0
# Seconds a write to the crawl state waits for another process that holds it locked.
SNAPSHOT_STATE_TIMEOUT = 60.0
# Skip article pages that are already archived (False: request every article found).
SNAPSHOT_INCREMENTAL_ENABLED = True
# An archived article is fetched again while it is younger than this many days (by its publish
# time, else its first snapshot), so that edits become new snapshot versions; older ones only
# when a sitemap <lastmod> or Atom <updated> says they changed.
SNAPSHOT_RECHECK_DAYS = 2.0

# --- run health: what `scrapy crawl` and `scrapy crawlall` exit with (see the README) ---------
# Judge each run, log a summary and set the exit status (False: always exit 0 as Scrapy does).
SNAPSHOT_RUN_REPORT_ENABLED = True
# Each run's summary is appended here as one JSON line (relative to the project directory;
# empty: no runs log).
SNAPSHOT_RUNS_LOG = "logs/runs.jsonl"
# A run that logged more errors than this failed (exit status 3).
SNAPSHOT_HEALTH_MAX_ERRORS = 0
# A run failed (3) when more than this share of its article pages did not download.
SNAPSHOT_HEALTH_MAX_FAILED_SHARE = 0.5
# Extraction is judged bad (5) when more than this share of a run's snapshots lack a title, or
# lack a publish time, once the run has at least SNAPSHOT_HEALTH_MIN_ITEMS of them.
SNAPSHOT_HEALTH_MAX_MISSING_SHARE = 0.5
SNAPSHOT_HEALTH_MIN_ITEMS = 5

# Write the JSONL archive (False: items only go to Scrapy's feeds, e.g. -O items.jsonl).
SNAPSHOT_ARCHIVE_ENABLED = True
# Where archives are written, as <dir>/<site>/<YYYY-MM-DD>.jsonl by snapshot date; a relative
# path is taken from the project directory (the folder of scrapy.cfg).
SNAPSHOT_ARCHIVE_DIR = "archive"
# fsync after every line: survives power loss, not only a killed process, at a cost in speed.
SNAPSHOT_ARCHIVE_FSYNC = False

# Raw captures: article responses written to gzipped WARC files (request, response or, for an
# unchanged page, revisit records), <dir>/<site>/<site>-<time>.warc.gz; relative paths are
# taken from the project directory.
SNAPSHOT_WARC_ENABLED = True
SNAPSHOT_WARC_DIR = "warc"
# Capture every response (lists, feeds, sitemaps too), not only article pages.
SNAPSHOT_WARC_ALL = False
# A new WARC file is started once the current one has this many bytes.
SNAPSHOT_WARC_MAX_SIZE = 1024 * 1024 * 1024

# Requests waiting to be sent are kept on disk (pickled), in a folder of the run's own under
# SNAPSHOT_QUEUE_DIR (empty: the system's temporary folder; relative paths are taken from the
# project directory), removed when the crawl closes: a site whose articles link each other has
# about half its articles waiting at once, 3 KiB each in memory. False: in memory, as Scrapy
# does. With JOBDIR set, Scrapy's own persistent queue is used instead; in Redis mode, Redis.
SNAPSHOT_QUEUE_ON_DISK = True
SNAPSHOT_QUEUE_DIR = ""

# Worker processes that run the extractor (and the content's MinHash signature, for the dedup
# stage), so that it has a core of its own while the crawler's process downloads and archives
# (0: extract in the crawler's process). One pays on a machine with two cores or more: see the
# throughput benchmark in the README.
SNAPSHOT_EXTRACT_PROCESSES = 1

# Without site patterns, a page is an article when its body has at least this many characters.
SNAPSHOT_ARTICLE_MIN_CHARS = 200

# Scrapy's telnet console and remote-control server run code sent to a local port; a crawl
# started by cron has nobody to use them, so they stay closed.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
