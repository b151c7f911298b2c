"""The Wayback CDX API as portalnews speaks it (portalnews/archives/cdx.py): the query, the two JSON
answer shapes (the Internet Archive's list of lists, pywb's lines of objects), the raw replay URL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from portalnews.archives.cdx import cdx_endpoint, cdx_query, parse_cdx, replay_url

# The Internet Archive's answer to output=json, in the shape its CDX server documentation shows.
INTERNET_ARCHIVE_ANSWER = b"""[["urlkey","timestamp","original","mimetype","statuscode","digest","length"],
["vn,danang,dangbo)/tin-tuc/a-1.html","20190304050607","http://dangbo.danang.vn/tin-tuc/a-1.html","text/html","200","AAAA","5120"],
["vn,danang,dangbo)/tin-tuc/b-2.html","20200101000000","https://dangbo.danang.vn/tin-tuc/b-2.html","text/html","200","BBBB","6144"]]"""
# pywb's answer to output=json: one object per line.
PYWB_ANSWER = b"""{"urlkey": "1,0,0,127:8701)/news/a-1.html", "timestamp": "20261203074204", "url": "http://127.0.0.1:8701/news/a-1.html", "mime": "text/html", "status": "200", "digest": "MNLO", "length": "3111"}
"""  # noqa: E501 (test data, kept as served)


def test_the_cdx_query_asks_for_every_successful_capture_of_a_host_between_two_dates():
    query = cdx_query(
        "http://127.0.0.1:8080/fixture/", "dangbo.danang.vn", date(2015, 1, 1), date(2019, 12, 31)
    )
    parts = urlsplit(query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://127.0.0.1:8080/fixture/cdx"
    assert parse_qs(parts.query) == {"url": ["dangbo.danang.vn/*"], "output": ["json"],
                                     "filter": ["statuscode:200"], "collapse": ["digest"],
                                     "from": ["20150101"], "to": ["20191231235959"]}


def test_the_internet_archives_cdx_endpoint_is_its_own():
    assert cdx_endpoint("https://web.archive.org/web") == "https://web.archive.org/cdx/search/cdx"


@pytest.mark.parametrize(("answer", "urls", "first_time"), [
    (INTERNET_ARCHIVE_ANSWER, ["http://dangbo.danang.vn/tin-tuc/a-1.html", "https://dangbo.danang.vn/tin-tuc/b-2.html"],
     datetime(2019, 3, 4, 5, 6, 7, tzinfo=UTC)),
    (PYWB_ANSWER, ["http://127.0.0.1:8701/news/a-1.html"], datetime(2026, 12, 3, 7, 42, 4, tzinfo=UTC)),
    (b"", [], None),
], ids=["internet-archive", "pywb", "empty"])
def test_both_answer_shapes_give_the_captures(answer, urls, first_time):
    captures = parse_cdx(answer)
    assert [c.url for c in captures] == urls
    if captures:
        assert captures[0].captured_at == first_time


def test_a_capture_is_replayed_raw_with_id_():
    (capture,) = parse_cdx(PYWB_ANSWER)
    assert replay_url("http://127.0.0.1:8080/fixture", capture) == \
        "http://127.0.0.1:8080/fixture/20261203074204id_/http://127.0.0.1:8701/news/a-1.html"


@pytest.mark.parametrize("answer", [b"<html>rate limited</html>", b'{"urlkey": "x", "status": "200"}',
                                    b'[["urlkey","timestamp"],["x"]]'])
def test_a_malformed_answer_is_an_error_not_an_empty_list(answer):
    with pytest.raises(ValueError):
        parse_cdx(answer)
