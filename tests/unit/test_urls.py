"""Canonical URLs: every form of one article's URL folds to one key."""

from __future__ import annotations

from pathlib import Path

import pytest

from portalnews.registry import Portal, load_registry
from portalnews.registry.urls import canonical_url

SITES_DIR = Path(__file__).parents[1] / "fixtures" / "sites"


def portal(**kwargs) -> Portal:
    defaults = dict(id="p", name="p", base_url="https://hcmcpv.org.vn/", start_urls=("https://hcmcpv.org.vn/",),
                    article_url_pattern=r"/tin-tuc/")
    return Portal(**{**defaults, **kwargs})


HCM = portal(host_aliases=("thanhuytphcm.vn",))
LIFERAY = portal(base_url="https://tuyengiao.danang.gov.vn/", start_urls=("https://tuyengiao.danang.gov.vn/",),
                 canonical_query_keep=("id",))
CANONICAL = "https://hcmcpv.org.vn/tin-tuc/gia-nhap-asean-1491881281"


@pytest.mark.parametrize(
    "variant",
    [
        "https://hcmcpv.org.vn/tin-tuc/gia-nhap-asean-1491881281?utm_source=zalo&utm_medium=zalo&utm_campaign=zalo",
        "https://hcmcpv.org.vn/tin-tuc/gia-nhap-asean-1491881281?fbclid=IwAR0abc",
        "https://hcmcpv.org.vn/tin-tuc/gia-nhap-asean-1491881281?zarsrc=31",
    ],
)
def test_tracking_parameters_are_dropped(variant):
    assert canonical_url(variant, HCM) == CANONICAL


def test_www_and_bare_host_are_one_site():
    assert canonical_url("https://www.hcmcpv.org.vn/tin-tuc/gia-nhap-asean-1491881281", HCM) == CANONICAL


def test_http_and_https_are_one_site():
    assert canonical_url("http://hcmcpv.org.vn/tin-tuc/gia-nhap-asean-1491881281", HCM) == CANONICAL


def test_trailing_slash_and_fragment_are_dropped():
    assert (
        canonical_url("https://hcmcpv.org.vn/tin-tuc/gia-nhap-asean-1491881281/#binh-luan", HCM) == CANONICAL
    )


def test_host_aliases_fold_to_the_portal_host():
    assert canonical_url("https://thanhuytphcm.vn/tin-tuc/gia-nhap-asean-1491881281", HCM) == CANONICAL
    assert canonical_url("https://www.thanhuytphcm.vn/tin-tuc/gia-nhap-asean-1491881281", HCM) == CANONICAL


def test_other_hosts_are_not_folded():
    assert canonical_url("https://dangcongsan.vn/tin-tuc/gia-nhap-asean-1491881281", HCM).startswith("https://dangcongsan.vn/")


@pytest.mark.parametrize(
    "variant",
    [
        "https://hcmcpv.org.vn/tin-tuc/gia-nhap-asean-1491881281/print",
        "https://hcmcpv.org.vn/tin-tuc/gia-nhap-asean-1491881281?print=1",
        "https://hcmcpv.org.vn/tin-tuc/gia-nhap-asean-1491881281?view=print",
    ],
)
def test_print_views_fold_to_the_article(variant):
    assert canonical_url(variant, HCM) == CANONICAL


def test_liferay_keeps_only_the_article_id():
    a = canonical_url("https://tuyengiao.danang.gov.vn/web/guest/tin-tuc/chi-tiet?id=101&_c=3", LIFERAY)
    b = canonical_url(
        "http://www.tuyengiao.danang.gov.vn/web/guest/tin-tuc/chi-tiet?_c=7&id=101&utm_source=zalo", LIFERAY
    )
    c = canonical_url("https://tuyengiao.danang.gov.vn/web/guest/tin-tuc/chi-tiet?id=102&_c=3", LIFERAY)
    assert a == b == "https://tuyengiao.danang.gov.vn/web/guest/tin-tuc/chi-tiet?id=101"
    assert c != a


def test_without_a_keep_list_identifying_parameters_stay_in_sorted_order():
    url = canonical_url("https://example.vn/chi-tiet?page=2&id=5&utm_source=x")
    assert url == "https://example.vn/chi-tiet?id=5&page=2"


def test_mirror_ports_are_kept():
    assert canonical_url("http://127.0.0.1:8701/tin-tuc/x-1491881281?utm_source=zalo") == "https://127.0.0.1:8701/tin-tuc/x-1491881281"


# The fixture sites link one article under two URLs each (from different pages).
FIXTURE_DUPLICATES = [
    ("liferay_danang", "/web/guest/tin-tuc/chi-tiet?id=101&_c=3",
     "/web/guest/tin-tuc/chi-tiet?id=101&_c=7&utm_source=zalo&utm_medium=zalo"),
    ("nukeviet_province", "/news/thoi-su/ra-mat-mo-hinh-dan-van-kheo-1839.html",
     "/news/thoi-su/ra-mat-mo-hinh-dan-van-kheo-1839.html?utm_source=rss&utm_medium=feed"),
    ("tintuc_hcm", "/tin-tuc/gia-nhap-asean-25-nam-1491881281",
     "/tin-tuc/gia-nhap-asean-25-nam-1491881281?utm_source=zalo&utm_medium=zalo&utm_campaign=zalo"),
    ("slugonly_hatinh", "/dai-hoi-diem-dang-bo-xa-thach-ha-nhiem-ky-2020-2025",
     "/dai-hoi-diem-dang-bo-xa-thach-ha-nhiem-ky-2020-2025/"),
]


@pytest.mark.parametrize("site, first, second", FIXTURE_DUPLICATES)
def test_fixture_duplicate_links_are_one_article(site, first, second, tmp_path):
    origin = "http://127.0.0.1:8701"
    registry = tmp_path / "portal.toml"
    registry.write_text(
        (SITES_DIR / site / "portal.toml").read_text(encoding="utf-8").replace("{{ORIGIN}}", origin),
        encoding="utf-8",
    )
    (fixture_portal,) = load_registry([registry], include_builtin=False).values()
    for path in (first, second):
        assert fixture_portal.article_regex.search(origin + path), path
    assert canonical_url(origin + first, fixture_portal) == canonical_url(origin + second, fixture_portal)
    pages = [f.read_text(encoding="utf-8", errors="ignore") for f in (SITES_DIR / site).rglob("*")
             if f.is_file() and f.suffix in ("", ".html", ".xml")]
    for path in (first, second):
        forms = {path, path.replace("&", "&amp;")}
        assert any(form in text for text in pages for form in forms), (
            f"{path} is linked from no page of {site}"
        )
