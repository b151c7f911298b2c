"""portalnews: scheduled ingestion of Vietnamese party-committee portal news into PostgreSQL.

Flow: spiders/ (registry, fetch) -> pipelines/ (raw page kept, clean, dedupe, load) -> dags/ (schedule).
This package holds what ties them together: configuration, the database, the jobs and the CLI.
"""
