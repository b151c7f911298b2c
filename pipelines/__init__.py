"""Stages after the fetch (installed as `portalnews.pipelines`): raw page kept -> clean -> dedupe -> load.

raw_store   Scrapy item pipeline: keeps each fetched article page in `raw_pages`
clean       stage: raw_pages -> extractions (portalnews.extraction does the cleaning)
dedupe      rules that decide a cleaned page is an article already stored
load        stage: extractions -> articles
"""
