"""Spiders: Scrapy glue only; extraction lives in snapshot_crawler.extract."""
