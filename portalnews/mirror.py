"""A local mirror: serves recorded portal sites over real HTTP on 127.0.0.1.

Tests and offline demos crawl these exactly as they would crawl a real portal. A site directory holds:

    www/             files served by path (`/tin-tuc/abc-123` -> www/tin-tuc/abc-123 or .../index.html)
    routes.toml      optional [[route]] tables for URLs a file name cannot spell (query strings):
                       path = "/chi-tiet?id=101&_c=5"   # matched with the query in any order
                       file = "pages/article-101.html"  # relative to the site directory
                       status = 200                     # optional
                       content_type = "..."             # optional, else from the file extension
                       redirect = "/other"              # optional: 301 to this location
    revisions.toml   optional [[revision]] tables: a page the portal corrects after publishing it
                       path = "/news/a-1.html"           # the page (query ignored)
                       file = "revisions/a-1.html"       # the corrected page, relative to the site directory
                       from_request = 2                  # served from the path's 2nd GET on (the first
                                                         # fetch sees the original, a revisit the correction)
    portal.toml      the registry entry for the site ({{ORIGIN}} stands for http://127.0.0.1:PORT)
    expected/        expected cleaned result per article page (JSON)

Text responses have `{{ORIGIN}}` replaced by the mirror's origin, so recorded pages can hold absolute links. A
mirror made with `shift_days` moves every date its text responses show (`13/02/2020`, `2020-02-13T09:06`,
`13-2-2020`, `ngày 13 tháng 2 năm 2020`, RFC 822 feed dates) that many days later (`days_to_today`: the site's
newest recorded article published yesterday, as a live portal would be); dates inside URLs are left alone,
since the files are served by their recorded paths. Every response carries an ETag and a Last-Modified and
honours conditional requests with 304, like a well-behaved CMS; tests can inject failures and replace pages
while the server runs.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import re
import threading
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

ORIGIN_TOKEN = "{{ORIGIN}}"
LAST_MODIFIED = 1735689600  # 2025-01-01T00:00:00Z: recorded pages do not change unless a test says so
REVISED_LAST_MODIFIED = LAST_MODIFIED + 86400  # a revision (revisions.toml) is a day newer
TEXT_TYPES = ("text/", "application/xml", "application/rss+xml", "application/atom+xml", "application/json")


# Dates as recorded portal pages write them; not preceded by a URL's "/" or a word, nor followed by
# "-" (a slug such as /res/news/13-02-2020-toa-dam.jpg).
_NOT_IN_URL = r"(?<![\w/.%-])"
DATE_FORMS = (
    (re.compile(_NOT_IN_URL + r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?![\d-])"), "{y:04d}-{m:02d}-{d:02d}"),
    (
        re.compile(_NOT_IN_URL + r"(?P<d>\d{1,2})(?P<sep>[/-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})(?![\w/-])"),
        None,
    ),
    (
        re.compile(
            r"(?P<pre>ngày\s+)(?P<d>\d{1,2})(?P<a>\s+tháng\s+)(?P<m>\d{1,2})(?P<b>\s+năm\s+)(?P<y>\d{4})"
        ),
        "{pre}{d}{a}{m}{b}{y}",
    ),
)
RFC822_DATE = re.compile(
    r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?P<d>\d{1,2}) (?P<mon>[A-Z][a-z]{2}) (?P<y>\d{4})\b"
)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def shift_dates(text: str, days: int) -> str:
    """`text` with every date it shows `days` later, each written as it was (padding, separator)."""
    if not days:
        return text

    def moved(m: re.Match, month: int) -> date | None:
        try:
            return date(int(m["y"]), month, int(m["d"])) + timedelta(days=days)
        except ValueError:  # not a date after all (31/02/2020)
            return None

    def numeric(fmt):
        def replace(m: re.Match) -> str:
            new = moved(m, int(m["m"]))
            if new is None:
                return m[0]
            if fmt:
                return fmt.format(y=new.year, m=new.month, d=new.day, **{k: m[k] for k in ("pre", "a", "b")
                                                                          if k in m.groupdict()})
            width_d, width_m = len(m["d"]), len(m["m"])
            return f"{new.day:0{width_d}d}{m['sep']}{new.month:0{width_m}d}{m['sep']}{new.year}"
        return replace

    for pattern, fmt in DATE_FORMS:
        text = pattern.sub(numeric(fmt), text)

    def rfc822(m: re.Match) -> str:
        new = moved(m, MONTHS.index(m["mon"]) + 1) if m["mon"] in MONTHS else None
        return f"{WEEKDAYS[new.weekday()]}, {new.day:02d} {MONTHS[new.month - 1]} {new.year}" if new else m[0]

    return RFC822_DATE.sub(rfc822, text)


def days_to_today(site_dir: Path, days_ago: int = 1, today: date | None = None) -> int:
    """The shift that puts the site's newest recorded article (expected/*.json) `days_ago` days
    before today (Asia/Ho_Chi_Minh)."""
    from zoneinfo import ZoneInfo

    dates = [json.loads(f.read_text(encoding="utf-8")).get("published_at")
             for f in sorted((Path(site_dir) / "expected").glob("*.json"))]
    newest = max((datetime.fromisoformat(d).date() for d in dates if d), default=None)
    if newest is None:
        return 0
    today = today or datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    return (today - newest).days - days_ago


def _route_key(path_and_query: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    parts = urlsplit(path_and_query)
    return parts.path or "/", tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: int = LAST_MODIFIED


class SiteMirror:
    """One recorded site served on 127.0.0.1:<port> (port 0 picks a free one)."""

    def __init__(self, site_dir: Path | str, port: int = 0, shift_days: int = 0):
        self.site_dir = Path(site_dir)
        self.shift_days = shift_days  # every date the site's text shows moves this many days (demos)
        self.routes: dict[tuple, dict] = {}
        routes_file = self.site_dir / "routes.toml"
        if routes_file.exists():
            for route in tomllib.loads(routes_file.read_text(encoding="utf-8")).get("route", []):
                self.routes[_route_key(route["path"])] = route
        self.revisions: dict[str, dict] = {}  # path -> [[revision]] of revisions.toml
        revisions_file = self.site_dir / "revisions.toml"
        if revisions_file.exists():
            for revision in tomllib.loads(revisions_file.read_text(encoding="utf-8")).get("revision", []):
                self.revisions[urlsplit(revision["path"]).path] = revision
        self.gets: dict[str, int] = {}  # path (no query) -> GET requests so far
        self.failures: dict[str, int] = {}  # path+query -> status to answer instead
        self.overrides: dict[str, bytes] = {}  # path+query -> replacement body
        self.requests: list[tuple[str, str, int]] = []  # (method, path+query, status), in order
        # path -> (response, its ETag, its gzipped body): files made ready once by `prepare_all`
        self._prepared: dict[str, tuple[Response, str, bytes | None]] = {}
        self._lock = threading.Lock()
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server's naming)
                mirror._handle(self, head=False)

            def do_HEAD(self):  # noqa: N802
                mirror._handle(self, head=True)

            def log_message(self, *args):  # keep test output quiet; requests are recorded instead
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # lifecycle -------------------------------------------------------------------------------
    def start(self) -> SiteMirror:
        self._thread.start()
        return self

    def prepare_all(self) -> SiteMirror:
        """Read, render (origin filled in, dates moved), hash and gzip every file under www/ once and serve
        it from memory from then on: for a benchmark whose server shares the machine with what it measures
        (compressing an 80 KB page was most of a request's CPU). Clients receive the same pages; a route,
        a revision, a failure or a replacement a test sets is still resolved at each request (a file changed
        on disk afterwards is not: the generated site never changes)."""
        www = self.site_dir / "www"
        for file in sorted(www.rglob("*")):
            if not file.is_file():
                continue
            path = "/" + file.relative_to(www).as_posix()
            targets = [path, path.removesuffix("index.html")] if file.name == "index.html" else [path]
            for target in targets:
                if _route_key(target) in self.routes or target in self.revisions:
                    continue
                response = self._resolve(target)
                if response.status == 200:
                    body = response.body
                    self._prepared[target] = (response, _etag(body), gzip.compress(body, mtime=0)
                                              if _worth_gzip(body, response.content_type) else None)
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self.server.shutdown()
            self.server.server_close()

    def __enter__(self) -> SiteMirror:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # what tests use --------------------------------------------------------------------------
    def url(self, path: str = "/") -> str:
        return self.origin + path

    def registry_text(self) -> str:
        """This site's portal.toml with the mirror's origin filled in."""
        return (self.site_dir / "portal.toml").read_text(encoding="utf-8").replace(ORIGIN_TOKEN, self.origin)

    def fail(self, path: str, status: int = 500) -> None:
        self.failures[path] = status

    def replace(self, path: str, body: bytes | str) -> None:
        self.overrides[path] = body.encode() if isinstance(body, str) else body

    def requested(self, predicate=lambda path: True) -> list[tuple[str, str, int]]:
        with self._lock:
            return [r for r in self.requests if predicate(r[1])]

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    # serving ---------------------------------------------------------------------------------
    def _resolve(self, target: str, nth_get: int = 1) -> Response:
        if target in self.failures:
            return Response(self.failures[target], b"<html><body>Internal Server Error</body></html>")
        route = self.routes.get(_route_key(target))
        if route and route.get("redirect"):
            return Response(
                301, b"", headers={"Location": route["redirect"].replace(ORIGIN_TOKEN, self.origin)}
            )
        revision = self.revisions.get(urlsplit(target).path)
        revised = revision is not None and nth_get >= int(revision.get("from_request", 2))
        if target in self.overrides:
            file_path = None
            body = self.overrides[target]
        elif revised and revision is not None:  # (revised implies it; said again for the type checker)
            file_path = self.site_dir / revision["file"]
            body = file_path.read_bytes()
        elif route:
            file_path = self.site_dir / route["file"]
            body = file_path.read_bytes()
        else:
            path = urlsplit(target).path
            file_path = (self.site_dir / "www" / path.lstrip("/")).resolve()
            if not str(file_path).startswith(str((self.site_dir / "www").resolve())):
                return Response(404, b"not found")
            if file_path.is_dir():
                file_path = file_path / "index.html"
            if not file_path.is_file():
                return Response(404, b"<html><body>Not found</body></html>")
            body = file_path.read_bytes()
        status = int(route.get("status", 200)) if route else 200
        if route and route.get("content_type"):
            ctype = route["content_type"]
        else:
            name = file_path.name if file_path else urlsplit(target).path
            guessed = mimetypes.guess_type(name)[0]
            if name.endswith((".xml", ".rss")):
                guessed = "application/xml"
            ctype = guessed or "text/html"
            if ctype.startswith(TEXT_TYPES) and "charset" not in ctype:
                ctype += "; charset=utf-8"
        if ctype.startswith(TEXT_TYPES) or ctype.startswith("text/"):
            body = body.replace(ORIGIN_TOKEN.encode(), self.origin.encode())
            if self.shift_days:
                charset = ctype.split("charset=")[-1] if "charset=" in ctype else "utf-8"
                body = shift_dates(body.decode(charset, errors="surrogateescape"), self.shift_days).encode(
                    charset, errors="surrogateescape")
        if file_path is not None and file_path.suffix == ".gz":
            ctype = "application/x-gzip"
        return Response(
            status, body, ctype, last_modified=REVISED_LAST_MODIFIED if revised else LAST_MODIFIED
        )

    def _handle(self, handler: BaseHTTPRequestHandler, head: bool) -> None:
        target = handler.path
        with self._lock:  # a HEAD sees what the last GET saw
            path = urlsplit(target).path
            nth_get = self.gets[path] = self.gets.get(path, 0) + (handler.command == "GET")
        prepared = None if target in self.failures or target in self.overrides else self._prepared.get(target)
        response, etag, gzipped = prepared or (self._resolve(target, nth_get), None, None)
        headers = dict(response.headers)
        if response.status == 200:
            etag = etag or _etag(response.body)
            headers["ETag"] = etag
            headers["Last-Modified"] = formatdate(response.last_modified, usegmt=True)
            if self._not_modified(handler, etag, response.last_modified):
                response = Response(304, b"", response.content_type)
        with self._lock:
            self.requests.append((handler.command, target, response.status))
        body = response.body
        if (
            response.status == 200
            and "gzip" in handler.headers.get("Accept-Encoding", "")
            and _worth_gzip(body, response.content_type)
        ):
            body = gzipped or gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        handler.send_response(response.status)
        if response.status != 304:
            handler.send_header("Content-Type", response.content_type)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body) if response.status != 304 else 0))
        handler.end_headers()
        if not head and response.status != 304:
            handler.wfile.write(body)

    @staticmethod
    def _not_modified(handler: BaseHTTPRequestHandler, etag: str, last_modified: int) -> bool:
        if_none_match = handler.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag in [t.strip() for t in if_none_match.split(",")] or if_none_match.strip() == "*"
        since = handler.headers.get("If-Modified-Since")
        if since:
            try:
                return parsedate_to_datetime(since).timestamp() >= last_modified
            except (TypeError, ValueError):
                return False
        return False


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'


def _worth_gzip(body: bytes, content_type: str) -> bool:
    return len(body) > 512 and content_type != "application/x-gzip"


def serve(
    site_dirs: list[Path], first_port: int = 0, shift_days: dict[str, int] | None = None
) -> list[SiteMirror]:
    """Start one mirror per site directory (consecutive ports from `first_port`, or free ones), each
    site's dates moved by `shift_days[site name]` days. A port in use raises OSError naming it."""
    mirrors = []
    try:
        for offset, site in enumerate(site_dirs):
            port = first_port + offset if first_port else 0
            try:
                mirror = SiteMirror(site, port, (shift_days or {}).get(Path(site).name, 0))
            except OSError as err:
                raise OSError(
                    err.errno, f"port {port} on 127.0.0.1 (for {Path(site).name}): {err.strerror}"
                ) from err
            mirrors.append(mirror.start())
    except OSError:
        for mirror in mirrors:
            mirror.stop()
        raise
    return mirrors
