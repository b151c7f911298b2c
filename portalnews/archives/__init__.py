"""Web archives as files and services, with no database: WARC/WACZ reading and WARC writing
(`warc`), the analysts' Parquet layout (`parquet`), and the Wayback CDX API's URLs and answers (`cdx`).

Base layer: the stores and stages that use them (portalnews.archive_jobs, the archive spider) sit above.
"""
