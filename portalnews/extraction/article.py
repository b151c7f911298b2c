"""The Article: what cleaning one page yields. Its fields are defined here once.

Every field marked as a column is an `articles` column of the same name: the load stage inserts,
compares and updates exactly these, so adding a field is this dataclass plus one migration.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime

from portalnews.vietnamese.dates import parse_iso

_NOT_A_COLUMN = {"column": False}


class ExtractionError(ValueError):
    """The page holds no article we can extract (empty, not HTML, no body)."""


@dataclass
class Article:
    title: str | None
    body: str
    published_at: datetime | None = None
    modified_at: datetime | None = None
    author: str | None = None
    source: str | None = None  # attribution: "(Theo ...)", "Nguồn: ..."
    sapo: str | None = None
    category: str | None = None
    images: list[dict] = field(default_factory=list)  # [{"src": ..., "caption": ...}]
    language: str | None = None
    url: str | None = field(default=None, metadata=_NOT_A_COLUMN)  # the page's own URL, given by the caller

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """The `articles` columns this dataclass fills, in declaration order."""
        return tuple(f.name for f in fields(cls) if f.metadata.get("column", True))

    def column_values(self) -> dict:
        return {name: getattr(self, name) for name in self.columns()}

    def to_json(self) -> dict:
        data = asdict(self)
        for f in fields(self):
            if isinstance(data[f.name], datetime):
                data[f.name] = data[f.name].isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict) -> Article:
        values = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if value and f.type in ("datetime | None", datetime):
                value = parse_iso(value)
            values[f.name] = value
        return cls(**values)
