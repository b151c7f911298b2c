"""Article versions: what a stored article said before the portal corrected it.

The load stage calls `replaced_content` (and `record_article_versions` for its whole batch) when a newly
fetched page of a stored article changes its content; the replaced content goes to `article_versions` with the
fields that changed and a readable unified diff (old -> new). An unchanged re-fetch or a re-extraction of the
same page records nothing.
"""

from __future__ import annotations

import difflib
import json

from psycopg2.extras import Json

from portalnews.extraction import Article
from portalnews.store.set_based import insert_rows

VERSIONED_FIELDS = ("title", "sapo", "published_at", "modified_at", "author", "source", "body", "category",
                    "images")


def _lines(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, indent=1, default=str).splitlines()
    if not isinstance(value, str):
        return [value.isoformat() if hasattr(value, "isoformat") else str(value)]
    return value.splitlines()


def changed_fields(stored: dict, article: Article) -> list[str]:
    new = article.column_values()
    return [name for name in VERSIONED_FIELDS if name in new and stored.get(name) != new[name]]


def readable_diff(stored: dict, article: Article, fields: list[str]) -> str:
    new = article.column_values()
    parts: list[str] = []
    for name in fields:
        parts.extend(
            difflib.unified_diff(
                _lines(stored.get(name)),
                _lines(new[name]),
                fromfile=f"{name} (before)",
                tofile=f"{name} (after)",
                lineterm="",
                n=1,
            )
        )
    return "\n".join(parts)


_VERSION_COLUMNS = (
    "article_id",
    "title",
    "sapo",
    "published_at",
    "modified_at",
    "author",
    "source",
    "body",
    "category",
    "images",
    "raw_page_id",
    "extractor_version",
    "stored_at",
    "replaced_by_raw_page_id",
    "changed_fields",
    "diff",
)


def replaced_content(stored: dict, article: Article, new_raw_page_id: int) -> dict | None:
    """The article_versions row keeping the stored article's current content, or None when `article`
    changes none of its versioned fields."""
    fields = changed_fields(stored, article)
    if not fields:
        return None
    return {
        **{
            k: stored.get(k)
            for k in (
                "title",
                "sapo",
                "published_at",
                "modified_at",
                "author",
                "source",
                "body",
                "category",
                "raw_page_id",
                "extractor_version",
            )
        },
        "article_id": stored["id"],
        "stored_at": stored.get("updated_at"),
        "images": Json(stored.get("images") or []),
        "replaced_by_raw_page_id": new_raw_page_id,
        "changed_fields": fields,
        "diff": readable_diff(stored, article, fields),
    }


def record_article_versions(cur, rows: list[dict]) -> None:
    """Insert the rows of `replaced_content`, in one statement."""
    insert_rows(cur, "article_versions", rows, _VERSION_COLUMNS)

