"""Scrapy middlewares: what a crawl requests."""
