"""A mirror whose files are prepared once (`SiteMirror.prepare_all`, the throughput benchmark's server)
answers every request as one that reads its files at each request: same status, headers and page, gzipped
or not; a failure or a replacement a test sets, routes and revisions still win."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request

import pytest

from portalnews.mirror import SiteMirror
from tests.support.paths import SITES_DIR

VARYING = {"Date", "Server"}


def _get(mirror: SiteMirror, path: str, gzipped: bool, headers: dict | None = None) -> tuple:
    request = urllib.request.Request(mirror.url(path), headers=dict(
        headers or {}, **({"Accept-Encoding": "gzip"} if gzipped else {})))
    try:
        with urllib.request.urlopen(request) as response:
            status, received, body = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        status, received, body = err.code, dict(err.headers), err.read()
    if received.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return status, {k: v for k, v in received.items() if k not in VARYING and k != "Content-Length"}, body


def _targets(site) -> list[str]:
    www = site / "www"
    paths = ["/" + f.relative_to(www).as_posix() for f in sorted(www.rglob("*")) if f.is_file()]
    return paths + [p.removesuffix("index.html") for p in paths if p.endswith("/index.html")]


@pytest.mark.parametrize("site", ["nukeviet_district", "tintuc_hcm"])
def test_prepared_files_are_served_as_read_at_each_request(site):
    with SiteMirror(SITES_DIR / site, shift_days=3) as mirror:
        # (a revised page changes at its second request: the test below)
        targets = [t for t in _targets(mirror.site_dir) if t not in mirror.revisions]
        targets += ["/rss/", "/missing.html"]
        assert len(targets) > 10
        before = [_get(mirror, t, gzipped) for t in targets for gzipped in (False, True)]
        mirror.prepare_all()
        assert [_get(mirror, t, gzipped) for t in targets for gzipped in (False, True)] == before
        page = next(t for t, (status, _, _) in zip(targets, before[::2], strict=True)
                    if status == 200 and t.endswith(".html"))
        etag = _get(mirror, page, True)[1]["ETag"]
        assert _get(mirror, page, True, {"If-None-Match": etag})[0] == 304
        mirror.replace(page, "<html><body>thay thế</body></html>")
        assert _get(mirror, page, True)[2] == "<html><body>thay thế</body></html>".encode()
        mirror.fail(page, 503)
        assert _get(mirror, page, False)[0] == 503


def test_a_revised_page_still_changes_at_its_second_request_once_prepared():
    site = SITES_DIR / "nukeviet_district"
    with SiteMirror(site) as plain, SiteMirror(site) as ready:
        ready.prepare_all()
        revised = next(iter(plain.revisions))
        expected = [_get(plain, revised, True)[2].replace(plain.origin.encode(), ready.origin.encode())
                    for _ in range(2)]
        assert expected[0] != expected[1]
        assert [_get(ready, revised, True)[2] for _ in range(2)] == expected
