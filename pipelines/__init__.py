"""Processing stages after the fetch: raw page kept -> clean -> dedupe -> load.

raw_store   Scrapy item pipeline: keeps each fetched article page in `raw_pages`
text        Vietnamese text normalisation (NFC, Đ, zero-width) and the dedupe form of a text
dates       Vietnamese date-time parsing (Asia/Ho_Chi_Minh)
bylines     author lines and page widgets at the edges of a body
body        main-text extraction (trafilatura, arbitrated)
extract     one HTML page -> one cleaned Article (body + metadata + per-portal hints)
urls        canonical URLs (the URL half of dedupe)
clean       stage: raw_pages -> extractions
load        stage: extractions -> articles (dedupe by URL and by body fingerprint)
"""
