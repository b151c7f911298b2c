"""Stages after the fetch (installed as `portalnews.pipelines`): clean -> dedupe -> load, reading the raw
pages the crawl's item pipeline (portalnews.spiders.raw_store) kept.

clean       stage: raw_pages -> extractions (portalnews.extraction does the cleaning)
dedupe      rules that decide a cleaned page is an article already stored
load        stage: extractions -> articles
"""
