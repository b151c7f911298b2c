"""Web archives for the tests: a fixture site recorded into a WARC by warcio from real HTTP fetches,
its records' offsets as warcio reads them, and pywb (Webrecorder's Wayback-compatible server) serving a
collection built with wb-manager on 127.0.0.1. pywb lives in its own venv (.venv-pywb, made by `make
install`: it pins redis==2.10.6, which the server extra's Celery cannot use)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.capture_http import capture_http

from tests.support.paths import REPO

PYWB_BIN = Path(os.environ.get("PORTALNEWS_PYWB_BIN", REPO / ".venv-pywb" / "bin"))


def site_paths(site_dir: Path) -> list[str]:
    """Every page path the recorded site serves: its files under www/ and its routes."""
    www = site_dir / "www"
    files = [str(p.relative_to(www)) for p in sorted(www.rglob("*")) if p.is_file()]
    # a folder's index.html: the folder
    paths = ["/" + name.removesuffix("index.html").rstrip("/") for name in files]
    routes_file = site_dir / "routes.toml"
    routes = (
        tomllib.loads(routes_file.read_text(encoding="utf-8")).get("route", [])
        if routes_file.exists()
        else []
    )
    return paths + [route["path"] for route in routes if "redirect" not in route]


def record_warc(site, path: Path) -> Path:
    """A WARC of the whole fixture site, recorded by warcio from real HTTP fetches of the mirror."""
    with capture_http(str(path)):
        for page in site_paths(site.mirror.site_dir):
            with contextlib.suppress(urllib.error.HTTPError):  # recorded too (the import skips a 404)
                urllib.request.urlopen(site.mirror.url(page), timeout=10).read()
    return path


def response_offsets(path: Path) -> list[tuple[int, str, str]]:
    """(offset, URL, WARC-Date) of every response record, as warcio reads the file."""
    found = []
    with path.open("rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            record.content_stream().read()
            if record.rec_type == "response":
                found.append((records.get_record_offset(), record.rec_headers.get_header("WARC-Target-URI"),
                              record.rec_headers.get_header("WARC-Date")))
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def pywb_archive(tmp_path):
    """Factory: a pywb collection built with wb-manager from a WARC, served on 127.0.0.1; yields the
    collection's replay prefix."""
    if not (PYWB_BIN / "wayback").exists():
        pytest.fail(f"pywb is not installed in {PYWB_BIN}: run `make install` (it makes .venv-pywb)")
    started: list[subprocess.Popen] = []

    def serve(*warcs: Path, collection: str = "fixture") -> str:
        root = tmp_path / "pywb"
        root.mkdir()
        for command in (["init", collection], ["add", collection, *map(str, warcs)]):
            subprocess.run(
                [str(PYWB_BIN / "wb-manager"), *command], cwd=root, check=True, capture_output=True
            )
        port = free_port()
        log = (root / "wayback.log").open("wb")
        started.append(
            subprocess.Popen(
                [str(PYWB_BIN / "wayback"), "-p", str(port), "-b", "127.0.0.1"],
                cwd=root,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        prefix = f"http://127.0.0.1:{port}/{collection}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{prefix}/cdx?url=example.org", timeout=2).read()
                return prefix
            except OSError:
                time.sleep(0.3)
        raise AssertionError(
            "pywb did not start: " + (root / "wayback.log").read_text(errors="replace")[-2000:]
        )

    yield serve
    for process in started:
        process.terminate()
        process.wait(timeout=20)
