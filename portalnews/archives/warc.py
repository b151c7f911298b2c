"""WARC and WACZ files: read archived HTTP responses, write stored pages as WARC/1.1 (warcio).

Reading yields every `response` record with its WARC-Date, record id and offset, its payload with
chunking and Content-Encoding removed. A file damaged part-way (truncated, a corrupt gzip member, a
broken header) yields the records before the damage and then raises `DamagedArchive` naming the offset,
so an import keeps what is readable and says where it stopped. A WACZ file is a zip holding
archive/*.warc(.gz) (plus pages and indexes, not needed here); its WARCs are read in name order.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import IO, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

# Headers describing the bytes on the wire, which the stored (decoded) body no longer matches.
WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
CHUNK = 1 << 16


class DamagedArchive(Exception):
    """A WARC that cannot be read past some offset; the records before it were yielded."""

    def __init__(self, file: str, offset: int, reason: str):
        super().__init__(f"{file}: damaged at offset {offset}: {reason}")
        self.file, self.offset, self.reason = file, offset, reason


@dataclass(frozen=True)
class ArchivedResponse:
    url: str  # WARC-Target-URI
    status: int
    headers: dict[str, list[str]]
    body: bytes  # the payload as the page was served, decoded
    date: datetime  # WARC-Date: when the archive fetched it
    record_id: str  # WARC-Record-ID
    file: str  # the file read (for a WACZ: FILE.wacz#archive/NAME.warc.gz)
    offset: int  # the record's offset in that (W)ARC


def warc_date(value: str) -> datetime:
    """WARC-Date (`2026-12-03T07:42:04Z`, WARC/1.1 may add fractions of a second) as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def read_responses(path: Path | str) -> Iterator[ArchivedResponse]:
    """Every HTTP `response` record of a .warc, .warc.gz or .wacz file; DamagedArchive at damage."""
    path = Path(path)
    if path.suffix.lower() == ".wacz":
        with zipfile.ZipFile(path) as wacz:
            members = sorted(name for name in wacz.namelist()
                             if name.startswith("archive/") and name.endswith((".warc", ".warc.gz")))
            for name in members:
                with wacz.open(name) as stream:
                    yield from _responses(stream, f"{path}#{name}")
        return
    with path.open("rb") as stream:
        yield from _responses(stream, str(path))


def _responses(stream: IO[bytes], name: str) -> Iterator[ArchivedResponse]:
    records = ArchiveIterator(stream, arc2warc=True)
    offset = 0  # where the damage is, if reading fails: the end of the last whole record
    try:
        for record in records:
            # Every record is read to its end before its offset is asked for (warcio would read it then),
            # so that a record the file ends inside is seen: bytes it declares are still missing.
            body = record.content_stream().read() if record.rec_type == "response" else b""
            while record.raw_stream.read(CHUNK):
                pass
            missing = getattr(record.raw_stream, "limit", 0)
            record_offset = records.get_record_offset()
            if missing:
                raise DamagedArchive(name, record_offset, f"record truncated, {missing} bytes of it missing")
            offset = record_offset + records.get_record_length()
            if record.rec_type != "response" or record.http_headers is None:
                continue
            status = record.http_headers.get_statuscode()
            headers: dict[str, list[str]] = {}
            for key, value in record.http_headers.headers:
                headers.setdefault(key, []).append(value)
            yield ArchivedResponse(
                url=record.rec_headers.get_header("WARC-Target-URI"),
                status=int(status) if status and status.isdigit() else 0,
                headers=headers, body=body,  # chunking and gzip/deflate/br removed
                date=warc_date(record.rec_headers.get_header("WARC-Date")),
                record_id=record.rec_headers.get_header("WARC-Record-ID"),
                file=name, offset=record_offset)
    except (ArchiveLoadFailed, EOFError, OSError, ValueError, zipfile.BadZipFile) as err:
        raise DamagedArchive(name, offset, " ".join(str(err).split())[:160] or type(err).__name__) from err


@dataclass(frozen=True)
class StoredPage:
    """One stored raw page, as the export writes it."""

    requested_url: str
    url: str
    status: int
    headers: dict[str, list[str] | str]
    body: bytes
    fetched_at: datetime
    # the metadata record's fields (article id, extractor version...); None: left out
    fields: dict[str, object]


class WarcExporter:
    """Writes stored pages as WARC/1.1, each record its own gzip member, to a stream as they come."""

    def __init__(self, stream: BinaryIO, software: str):
        self.writer = WARCWriter(stream, gzip=True, warc_version="WARC/1.1")
        self.writer.write_record(self.writer.create_warcinfo_record(
            "portalnews-export.warc.gz", {"software": software, "format": "WARC File Format 1.1"}))

    def write(self, page: StoredPage) -> None:
        """A `response` record (original fetch date, final URL, status, headers), the `request`
        record for the URL asked for, and a `metadata` record naming the article it became."""
        date = datetime_to_iso_date(page.fetched_at.astimezone(UTC).replace(tzinfo=None), use_micros=True)
        header_list = [(key, value) for key, values in page.headers.items()
                       for value in ([values] if isinstance(values, str) else values)
                       if key.lower() not in WIRE_HEADERS]
        header_list.append(("Content-Length", str(len(page.body))))
        http = StatusAndHeaders(f"{page.status} {_reason(page.status)}", header_list, protocol="HTTP/1.1")
        response = self.writer.create_warc_record(page.url, "response", payload=io.BytesIO(page.body),
                                                  http_headers=http, warc_headers_dict={"WARC-Date": date})
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        self.writer.write_record(response)

        requested = page.requested_url.split("#", 1)[0]
        parts = requested.split("/", 3)
        host, path = (parts[2] if len(parts) > 2 else ""), "/" + (parts[3] if len(parts) > 3 else "")
        request = self.writer.create_warc_record(
            requested, "request", payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders(f"GET {path} HTTP/1.1", [("Host", host)], is_http_request=True),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response_id})
        self.writer.write_record(request)

        fields = "".join(f"{key}: {value}\r\n" for key, value in page.fields.items() if value is not None)
        metadata = self.writer.create_warc_record(
            page.url, "metadata", payload=io.BytesIO(fields.encode("utf-8")),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": response_id})
        self.writer.write_record(metadata)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
