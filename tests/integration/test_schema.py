"""Who migrates (the user's entry points, never a crawl), and the Article dataclass as the one
definition of the article fields."""

from __future__ import annotations

import pytest

from portalnews import jobs
from portalnews.extraction import EXTRACTOR_VERSION, Article
from portalnews.registry import load_registry
from portalnews.store.schema import SchemaNotReady, migration_names, require_current_schema
from tests.support.database import query


def test_every_article_field_is_an_articles_column_of_the_same_name(db_url):
    columns = {row["column_name"] for row in query(
        db_url, "SELECT column_name FROM information_schema.columns WHERE table_name = 'articles'")}
    assert set(Article.columns()) <= columns
    assert "url" not in Article.columns()  # the page's own URL is the caller's, stored by the load stage


def test_the_extractor_version_names_the_libraries_that_change_results():
    import lxml
    import trafilatura

    assert f"trafilatura-{trafilatura.__version__}" in EXTRACTOR_VERSION
    assert f"lxml-{lxml.__version__}" in EXTRACTOR_VERSION


def test_a_run_on_an_unmigrated_database_stops_with_the_command_to_run(make_database):
    db_url = make_database(migrated=False)
    with pytest.raises(SchemaNotReady, match="portalnews db migrate"):
        require_current_schema(db_url)
    portal = next(iter(load_registry().values()))
    with pytest.raises(SchemaNotReady, match="portalnews db migrate"):
        jobs.start_run(db_url, portal)
    assert query(db_url, "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'")[0]["n"] == 0


def test_a_bare_scrapy_crawl_never_migrates(make_database, serve_site):
    db_url = make_database(migrated=False)
    site = serve_site("tintuc_hcm")
    with pytest.raises(jobs.CrawlError, match="portalnews db migrate"):
        jobs.crawl(db_url, site.portal, None, [site.registry_file])
    assert query(db_url, "SELECT to_regclass('articles') AS t")[0]["t"] is None
    assert site.mirror.requested() == []


def test_a_migrated_database_is_current(db_url):
    require_current_schema(db_url)
    applied = [row["name"] for row in query(db_url, "SELECT name FROM schema_migrations ORDER BY name")]
    assert applied == migration_names()
