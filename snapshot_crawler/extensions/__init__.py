"""Scrapy extensions: crawl-wide services (the site lock and state, the run report)."""
