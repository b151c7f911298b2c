"""The recorded fixture sites: every page stored once (a page reached at two URLs is one file with two
routes in routes.toml), every route pointing at a file that exists."""

from __future__ import annotations

import hashlib
import tomllib
from collections import defaultdict

import pytest

from tests.support.paths import SITE_NAMES, SITES_DIR

PAGE_SUFFIXES = (".html", ".xml", ".rss", ".txt")  # what a test reads; asset placeholders may repeat


def test_no_page_is_stored_twice():
    by_content = defaultdict(list)
    for path in sorted(SITES_DIR.rglob("*")):
        if path.is_file() and path.suffix in PAGE_SUFFIXES:
            by_content[hashlib.sha256(path.read_bytes()).hexdigest()].append(str(path.relative_to(SITES_DIR)))
    copies = [paths for paths in by_content.values() if len(paths) > 1]
    assert not copies, f"store each page once and add a [[route]] for its other URL: {copies}"


@pytest.mark.parametrize("site", SITE_NAMES)
def test_every_route_serves_a_file_of_its_site(site):
    routes_file = SITES_DIR / site / "routes.toml"
    routes = (
        tomllib.loads(routes_file.read_text(encoding="utf-8")).get("route", [])
        if routes_file.exists()
        else []
    )
    paths = [route["path"] for route in routes]
    assert len(paths) == len(set(paths)), "a path routed twice"
    for route in routes:
        if "file" in route:
            assert (SITES_DIR / site / route["file"]).is_file(), route
