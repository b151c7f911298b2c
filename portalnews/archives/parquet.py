"""The analysts' Parquet layout of `articles`: typed columns (times with their time zone, `images` as a
list of structs), written in row groups as rows arrive, so memory stays flat whatever the size."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 5000
TIME = pa.timestamp("us", tz="Asia/Ho_Chi_Minh")
IMAGE = pa.struct([("src", pa.string()), ("caption", pa.string())])
ARTICLE_SCHEMA = pa.schema([
    ("id", pa.int64()), ("portal", pa.string()), ("url", pa.string()), ("canonical_url", pa.string()),
    ("title", pa.string()), ("sapo", pa.string()), ("published_at", TIME), ("modified_at", TIME),
    ("author", pa.string()), ("source", pa.string()), ("category", pa.string()), ("body", pa.string()),
    ("images", pa.list_(IMAGE)), ("story_id", pa.int64()), ("first_seen_at", TIME), ("updated_at", TIME),
])


def _typed(row: dict) -> dict:
    images = row.get("images") or []
    return {**row, "images": [{"src": image.get("src"), "caption": image.get("caption")} for image in images]}


def write_articles(path: Path | str, rows: Iterable[dict]) -> int:
    """Write article rows (dicts keyed by ARTICLE_SCHEMA's names) to `path`; return how many."""
    written = 0
    batch: list[dict] = []
    with pq.ParquetWriter(str(path), ARTICLE_SCHEMA, compression="zstd") as writer:
        for row in rows:
            batch.append(_typed(row))
            if len(batch) == ROW_GROUP_ROWS:
                writer.write_table(pa.Table.from_pylist(batch, schema=ARTICLE_SCHEMA))
                written, batch = written + len(batch), []
        if batch or not written:  # an empty export is still a readable file with the schema
            writer.write_table(pa.Table.from_pylist(batch, schema=ARTICLE_SCHEMA))
            written += len(batch)
    return written
