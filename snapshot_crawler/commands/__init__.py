"""Scrapy commands of this project, registered through COMMANDS_MODULE."""
