"""The Wayback CDX API (the Internet Archive's and pywb's): the query for a host's captures, its JSON
answer, and the raw (`id_`) replay URL of one capture.

An archive is given by its replay prefix, the URL a capture's timestamp and original URL are appended
to: pywb `http://host:8080/COLLECTION`, the Internet Archive `https://web.archive.org/web`. Its CDX
endpoint is `PREFIX/cdx` (pywb), or the Internet Archive's own `/cdx/search/cdx`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode, urlsplit

INTERNET_ARCHIVE_HOST = "web.archive.org"


@dataclass(frozen=True)
class Capture:
    url: str  # the original URL the archive fetched
    timestamp: str  # 14 digits, UTC
    digest: str  # the archive's payload digest (SHA-1, base 32)
    mime: str

    @property
    def captured_at(self) -> datetime:
        return datetime.strptime(self.timestamp[:14].ljust(14, "0"), "%Y%m%d%H%M%S").replace(tzinfo=UTC)

    @property
    def record_id(self) -> str:
        """What names this capture in raw_pages.archive_record_id."""
        return f"{self.timestamp} {self.url}"


def cdx_endpoint(archive: str) -> str:
    archive = archive.rstrip("/")
    if urlsplit(archive).hostname == INTERNET_ARCHIVE_HOST:
        return f"{urlsplit(archive).scheme}://{INTERNET_ARCHIVE_HOST}/cdx/search/cdx"
    return f"{archive}/cdx"


def cdx_query(archive: str, host: str, since: date | None = None, until: date | None = None) -> str:
    """Successful captures of every URL of `host`, one per URL and content (collapsed on the digest)."""
    # No `fl`: the two servers name the fields differently (original/url, mimetype/mime); both
    # answer with every field by default.
    params = [("url", f"{host}/*"), ("output", "json"), ("filter", "statuscode:200"), ("collapse", "digest")]
    if since:
        params.append(("from", since.strftime("%Y%m%d")))
    if until:
        params.append(("to", until.strftime("%Y%m%d") + "235959"))
    return f"{cdx_endpoint(archive)}?{urlencode(params)}"


def replay_url(archive: str, capture: Capture) -> str:
    """The capture's bytes as archived, without the archive's rewriting or banner (`id_`)."""
    return f"{archive.rstrip('/')}/{capture.timestamp}id_/{capture.url}"


def parse_cdx(body: bytes) -> list[Capture]:
    """The captures in a CDX JSON answer: the Internet Archive's (a list of lists, the first naming
    the fields) or pywb's (one JSON object per line). Malformed lines raise ValueError."""
    text = body.decode("utf-8").strip()
    if not text:
        return []
    if text.startswith("["):
        rows = json.loads(text)
        if not rows:
            return []
        names = rows[0]
        records = [dict(zip(names, row, strict=False)) for row in rows[1:]]
    else:
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
    try:
        return [
            Capture(
                url=r.get("original") or r["url"],
                timestamp=r["timestamp"],
                digest=r.get("digest", ""),
                mime=r.get("mimetype") or r.get("mime", ""),
            )
            for r in records
        ]
    except (KeyError, AttributeError, TypeError) as err:
        raise ValueError(f"not a CDX answer: a capture lacks its URL or timestamp ({err!r})") from err
