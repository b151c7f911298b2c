"""Tracking parameters fold (issue 17, item 8): 30 common ones, from a maintained rule set (courlan's,
plus the ClearURLs global rules it misses), leave one canonical URL and one fetch; the registry's
`canonical_query_keep` still decides for the portals that set it. Real crawl, real database."""

from __future__ import annotations

import pytest

from portalnews import jobs
from portalnews.registry import Portal
from portalnews.registry.urls import canonical_url, without_tracking
from tests.support.database import query
from tests.support.hostile_site import HostileSite

# Names as seen on share links (Facebook, Zalo, TikTok, Google, Instagram, Yandex, Matomo, HubSpot,
# Mailchimp, Marketo, Alibaba, ...), each with a value such a link carries.
TRACKERS = [
    ("utm_source", "facebook"),
    ("utm_medium", "social"),
    ("utm_campaign", "tet2025"),
    ("utm_content", "a"),
    ("utm_term", "dang"),
    ("fbclid", "IwAR0abc"),
    ("gclid", "Cj0KCQ"),
    ("dclid", "CJ1"),
    ("msclkid", "7b2"),
    ("yclid", "4411"),
    ("igshid", "MzRlODBi"),
    ("ttclid", "E.C.P.1"),
    ("twclid", "2xyz"),
    ("srsltid", "AfmBOo"),
    ("mkt_tok", "NzEwLVpM"),
    ("_hsenc", "p2ANqtz"),
    ("_hsmi", "2872"),
    ("__hstc", "1.2.3"),
    ("spm", "a2o4m.b"),
    ("pk_campaign", "bao"),
    ("pk_kwd", "tin"),
    ("mtm_campaign", "x"),
    ("mc_cid", "9a8"),
    ("mc_eid", "7b6"),
    ("_ga", "2.1.2"),
    ("_gl", "1*abc"),
    ("gbraid", "0AAAA"),
    ("wbraid", "CjkK"),
    ("zarsrc", "30"),
    ("_openstat", "dGVzdA"),
]
ARTICLE = "http://127.0.0.1:9/bai-viet/hoi-nghi-1.html"


def test_the_list_has_thirty_distinct_names():
    assert len({name for name, _ in TRACKERS}) == 30


@pytest.mark.parametrize(("name", "value"), TRACKERS)
def test_each_tracking_parameter_folds_to_the_canonical_url_and_is_not_fetched(name, value):
    assert canonical_url(f"{ARTICLE}?{name}={value}") == canonical_url(ARTICLE)
    assert without_tracking(f"{ARTICLE}?id=5&{name}={value}") == f"{ARTICLE}?id=5"


@pytest.mark.parametrize("name", ["id", "page", "catid", "newsid", "ItemID", "lang"])
def test_parameters_that_name_an_article_stay(name):
    assert canonical_url(f"{ARTICLE}?{name}=12") == canonical_url(ARTICLE).replace(
        ".html", f".html?{name}=12"
    )
    assert without_tracking(f"{ARTICLE}?{name}=12") == f"{ARTICLE}?{name}=12"


def test_canonical_query_keep_decides_even_for_a_name_that_looks_like_tracking():
    keeps_cid = Portal(id="p", name="p", base_url="http://127.0.0.1:9/", start_urls=("http://127.0.0.1:9/",),
                       article_url_pattern="/bai-viet/", canonical_query_keep=("cid",))
    url = f"{ARTICLE}?cid=42&utm_source=zalo&page=2"
    assert canonical_url(url, keeps_cid) == "https://127.0.0.1:9/bai-viet/hoi-nghi-1.html?cid=42"
    assert without_tracking(url, keeps_cid) == f"{ARTICLE}?cid=42&page=2"


def test_thirty_tracking_variants_of_one_article_cost_one_fetch_and_store_the_clean_url(db_url, tmp_path):
    """Fetched once, as first linked (a portal may not serve a form it never linked), stored without them."""
    slug = "hoi-nghi-chia-se-101"
    site = HostileSite(tmp_path, "chiase").article(slug)
    site.listing([f"/bai-viet/{slug}.html?{name}={value}" for name, value in TRACKERS])
    served = site.serve()
    text = served.registry_file.read_text(encoding="utf-8")  # the portals' usual pattern: a query may follow
    served.registry_file.write_text(text.replace(r"\.html$'", r"\.html(?:$|[?#])'"), encoding="utf-8")
    try:
        summary = jobs.run_portal(db_url, served.portal, [served.registry_file])
        fetched = [path for _, path, _ in served.mirror.requested() if path.startswith("/bai-viet/")]
    finally:
        served.stop()
    assert summary["status"] == "success", summary
    assert len(fetched) == 1 and fetched[0].startswith(f"/bai-viet/{slug}.html?")  # once, as first linked
    assert [r["url"] for r in query(db_url, "SELECT url FROM raw_pages")] == [
        served.url(f"/bai-viet/{slug}.html")
    ]
    assert [r["url"] for r in query(db_url, "SELECT url FROM articles")] == [
        served.url(f"/bai-viet/{slug}.html")
    ]
