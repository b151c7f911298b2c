"""Versions and revisits: an article corrected on the portal after we stored it is fetched again (on
the decaying schedule, or at once with --revisit), and its previous content is kept with a readable
diff; an unchanged page or a re-extraction records no version."""

from __future__ import annotations

import urllib.request

import pytest

from portalnews import jobs
from portalnews.cli import main
from portalnews.pipelines.clean import clean_pending
from portalnews.pipelines.load import load_pending
from portalnews.registry.urls import canonical_url
from tests.support.database import query

ARTICLE = "/tin-tuc/trien-khai-nghi-quyet-35-1491881255"
TITLE = "Đẩy mạnh thực hiện Nghị quyết 35 về bảo vệ nền tảng tư tưởng của Đảng"
# The correction the portal makes: one year became two, in the lead paragraph of the body.
BEFORE, AFTER = "sơ kết một năm thực hiện", "sơ kết hai năm thực hiện"


@pytest.fixture
def loaded_site(db_url, serve_site):
    site = serve_site("tintuc_hcm")
    first = jobs.run_portal(db_url, site.portal, [site.registry_file])
    assert first["status"] == "success", first
    site.mirror.reset_log()
    return site


def _article(db_url, site) -> dict:
    return query(
        db_url,
        "SELECT a.* FROM article_urls u JOIN articles a ON a.id = u.article_id WHERE u.canonical_url = %s",
        (canonical_url(site.mirror.url(ARTICLE), site.portal),),
    )[0]


def _correct_the_page(site) -> None:
    with urllib.request.urlopen(site.mirror.url(ARTICLE)) as response:
        html = response.read().decode("utf-8")
    assert BEFORE in html
    site.mirror.replace(ARTICLE, html.replace(BEFORE, AFTER).replace(TITLE, TITLE + " (cập nhật)"))


def _article_requests(site) -> list[str]:
    """Article paths requested (a revisit uses the URL the article was first fetched at, tracking query and
    all)."""
    return sorted(path.split("?")[0] for _, path, _ in site.article_requests())


def test_revisit_keeps_the_replaced_content_as_a_version_with_a_readable_diff(db_url, loaded_site):
    site = loaded_site
    stored = _article(db_url, site)
    _correct_the_page(site)

    run = jobs.run_portal(db_url, site.portal, [site.registry_file], revisit=True)

    assert run["status"] == "success", run
    assert run["load"]["updated"] == 1
    corrected = _article(db_url, site)
    assert corrected["id"] == stored["id"] and AFTER in corrected["body"]
    assert corrected["title"] == TITLE + " (cập nhật)"
    (version,) = query(db_url, "SELECT * FROM article_versions")
    assert version["article_id"] == stored["id"]
    assert (version["title"], version["body"], version["published_at"]) == \
        (stored["title"], stored["body"], stored["published_at"])
    assert set(version["changed_fields"]) == {"title", "sapo", "body"}
    assert version["stored_at"] == stored["updated_at"] and version["replaced_at"] > stored["updated_at"]
    assert f"-{TITLE}\n+{TITLE} (cập nhật)" in version["diff"]
    assert any(line.startswith("-") and BEFORE in line for line in version["diff"].splitlines())
    assert any(line.startswith("+") and AFTER in line for line in version["diff"].splitlines())
    (correction,) = query(db_url, "SELECT * FROM article_corrections")
    assert (correction["title"], correction["old_title"]) == (TITLE + " (cập nhật)", TITLE)


def test_revisiting_unchanged_pages_is_answered_by_304s_and_records_no_version(db_url, loaded_site):
    site = loaded_site
    count = len(site.expected)
    run = jobs.run_portal(db_url, site.portal, [site.registry_file], revisit=True)
    assert run["crawl"]["revisits"] == count
    assert run["crawl"]["revisits_not_modified"] == count  # conditional: ETag of the stored page
    assert len(_article_requests(site)) == count
    assert run["load"] == {"new": 0, "updated": 0, "unchanged": 0, "duplicate": 0, "failed": 0}
    assert query(db_url, "SELECT count(*) AS n FROM article_versions") == [{"n": 0}]


def test_portalnews_run_revisit_since_a_date_fetches_only_articles_published_since(db_url, loaded_site,
                                                                                  monkeypatch):
    site = loaded_site
    monkeypatch.setenv("DATABASE_URL", db_url)
    code = main(["run", "--registry", str(site.registry_file), "--portal", site.portal.id, "--revisit",
                 "--since", "2020-02-11"])
    assert code == 0
    recent = {w["path"] for w in site.expected if w["published_at"] >= "2020-02-11"}
    assert recent and set(_article_requests(site)) == recent


def test_a_reextraction_after_a_correction_records_no_version_and_keeps_the_correction(db_url, loaded_site):
    site = loaded_site
    _correct_the_page(site)
    jobs.run_portal(db_url, site.portal, [site.registry_file], revisit=True)
    # `portalnews reextract`: every stored page cleaned again, the original page too.
    clean_pending(db_url, site.portal, force=True)
    query(db_url, "UPDATE extractions SET loaded_at = NULL")
    load_pending(db_url, site.portal)
    assert query(db_url, "SELECT count(*) AS n FROM article_versions") == [{"n": 1}]
    assert AFTER in _article(db_url, site)["body"]


def test_the_schedule_revisits_articles_as_they_reach_each_step_and_never_old_ones(db_url, loaded_site):
    site = loaded_site
    recent = site.mirror.url(ARTICLE)
    # Seen 2 h ago: the 1 h step is due. Seen 8 days ago: past the last step (7 days), left alone.
    query(db_url, "UPDATE articles SET first_seen_at = now() - interval '8 days'")
    query(db_url, "UPDATE articles SET first_seen_at = now() - interval '2 hours' WHERE url = %s", (recent,))

    jobs.run_portal(db_url, site.portal, [site.registry_file])
    assert _article_requests(site) == [ARTICLE]
    assert query(db_url, "SELECT visits FROM article_revisits") == [{"visits": 1}]

    site.mirror.reset_log()
    jobs.run_portal(db_url, site.portal, [site.registry_file])
    assert _article_requests(site) == []  # the 6 h step is not reached yet

    query(db_url, "UPDATE articles SET first_seen_at = now() - interval '26 hours' WHERE url = %s", (recent,))
    jobs.run_portal(db_url, site.portal, [site.registry_file])
    assert _article_requests(site) == [ARTICLE]  # 6 h and 1 day both passed: fetched once, not twice
    assert query(db_url, "SELECT visits FROM article_revisits") == [{"visits": 3}]


def test_a_portal_with_an_empty_revisit_schedule_is_never_revisited(db_url, loaded_site, tmp_path):
    site = loaded_site
    registry = tmp_path / "no-revisits.toml"
    registry.write_text(site.registry_file.read_text(encoding="utf-8").replace(
        "[[portal]]", "[[portal]]\nrevisit_after = []", 1), encoding="utf-8")
    from portalnews.registry import load_registry

    (portal,) = load_registry([registry], include_builtin=False).values()
    assert portal.revisit_after == ()
    query(db_url, "UPDATE articles SET first_seen_at = now() - interval '2 hours'")
    jobs.run_portal(db_url, portal, [registry])
    assert _article_requests(site) == []
