"""The analyst role: reads every relation (also those added later), writes nothing, times out, and is
what `portalnews db url --analyst` and `portalnews db psql --analyst` connect as."""

from __future__ import annotations

import os
from urllib.parse import quote, urlsplit

import psycopg2
import pytest

from portalnews.cli import main
from portalnews.cli.database import analyst_url
from tests.support.database import query

ANALYST_RELATIONS = (
    "articles",
    "article_versions",
    "stories",
    "portals",
    "crawl_runs",
    "article_urls",
    "article_corrections",
    "story_articles",
    "stories_across_portals",
    "raw_pages",
    "extractions",
)


@pytest.fixture
def as_analyst(db_url):
    """A connection to the fresh test database as the analyst role, with the role's own settings."""
    conn = psycopg2.connect(analyst_url(db_url))
    conn.autocommit = True
    yield conn
    conn.close()


def _fails(conn, sql: str) -> str:
    with conn.cursor() as cur, pytest.raises(psycopg2.Error) as err:
        cur.execute(sql)
    return err.value.pgcode


def test_the_analyst_reads_every_relation_analysts_need(as_analyst):
    with as_analyst.cursor() as cur:
        for relation in ANALYST_RELATIONS:
            cur.execute("SELECT has_table_privilege(%s, 'SELECT')", (relation,))
            assert cur.fetchone()[0], relation
            cur.execute(f"SELECT * FROM {relation} LIMIT 1")  # raises when a view reads what the role cannot


def test_sessions_of_the_analyst_are_read_only_with_a_timeout_in_vietnam_time(as_analyst):
    with as_analyst.cursor() as cur:
        cur.execute(
            "SELECT current_setting('default_transaction_read_only'), current_setting('statement_timeout'),"
            " current_setting('TimeZone'), current_user"
        )
        assert cur.fetchone() == ("on", "2min", "Asia/Ho_Chi_Minh", "analyst")


def test_the_analyst_cannot_write_even_after_switching_the_session_to_read_write(db_url, as_analyst):
    query(db_url, "INSERT INTO portals (id, name, base_url) VALUES ('p1', 'P', 'http://p/')")
    # 25006: read-only transaction
    assert _fails(as_analyst, "DELETE FROM portals") == "25006"
    with as_analyst.cursor() as cur:
        cur.execute("SET default_transaction_read_only = off")
    # 42501: insufficient privilege, whatever the session says
    for sql in ("DELETE FROM portals", "UPDATE portals SET name = 'x'",
                "INSERT INTO portals (id, name, base_url) VALUES ('p2', 'P', 'http://p/')",
                "TRUNCATE articles", "CREATE TABLE mine (x int)"):
        assert _fails(as_analyst, sql) == "42501", sql
    assert _fails(as_analyst, "DROP TABLE articles") == "42501"  # must be owner
    assert _fails(as_analyst, "ALTER TABLE articles ADD COLUMN x int") == "42501"
    assert query(db_url, "SELECT id FROM portals") == [{"id": "p1"}]


def test_relations_created_by_later_migrations_are_readable_by_the_analyst(db_url, as_analyst):
    # What a future migration does, as the role that runs migrations: default privileges apply.
    query(db_url, "CREATE TABLE later_relation (x int); INSERT INTO later_relation VALUES (1);"
                  " CREATE VIEW later_view AS SELECT x FROM later_relation")
    with as_analyst.cursor() as cur:
        cur.execute("SELECT x FROM later_relation")
        assert cur.fetchall() == [(1,)]
        cur.execute("SELECT x FROM later_view")
        assert cur.fetchall() == [(1,)]
    with as_analyst.cursor() as cur:
        cur.execute("SET default_transaction_read_only = off")
    assert _fails(as_analyst, "INSERT INTO later_relation VALUES (2)") == "42501"


def test_a_runaway_analyst_query_is_cancelled_by_the_statement_timeout(as_analyst):
    with as_analyst.cursor() as cur:
        cur.execute("SET statement_timeout = '200ms'")  # the role's 2min, shortened for the test
    assert _fails(as_analyst, "SELECT pg_sleep(5)") == "57014"  # query_canceled


def test_the_analyst_cannot_create_temporary_tables_even_after_switching_the_session_to_read_write(
    as_analyst,
):
    with as_analyst.cursor() as cur:
        cur.execute("SET default_transaction_read_only = off")
    assert _fails(as_analyst, "CREATE TEMP TABLE scratch (n int)") == "42501"  # insufficient_privilege


def test_the_statement_limit_is_a_default_the_analysts_session_can_lift_as_the_docs_say(as_analyst):
    # PostgreSQL lets any session set its own statement_timeout: the 2 minutes guard against accidents.
    with as_analyst.cursor() as cur:
        cur.execute("SHOW statement_timeout")
        assert cur.fetchone()[0] == "2min"
        cur.execute("SET statement_timeout = 0")
        cur.execute("SHOW statement_timeout")
        assert cur.fetchone()[0] == "0"


def test_migrating_twice_on_the_same_server_keeps_one_analyst_role(make_database):
    first, second = make_database(), make_database()
    for url in (first, second):
        rows = query(analyst_url(url), "SELECT count(*) AS n FROM articles")
        assert rows == [{"n": 0}]
    assert query(first, "SELECT count(*) AS n FROM pg_roles WHERE rolname = 'analyst'") == [{"n": 1}]


def test_db_url_analyst_prints_the_same_server_and_database_as_the_analyst_role(db_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    password = os.environ["PORTALNEWS_ANALYST_PASSWORD"]  # the test server's analyst logs in with it
    assert main(["db", "url", "--analyst"]) == 0
    url = capsys.readouterr().out.strip()
    owner = urlsplit(db_url)
    assert url == f"postgresql://analyst:{quote(password, safe='')}@{owner.hostname}:{owner.port}{owner.path}"
    assert query(url, "SELECT current_user AS u") == [{"u": "analyst"}]


def test_db_url_analyst_takes_the_password_from_the_environment_and_drops_the_owners():
    url = analyst_url(
        "postgresql://portalnews:owner-secret@db.example:5433/portalnews?sslmode=require", "a/b c"
    )
    assert url == "postgresql://analyst:a%2Fb%20c@db.example:5433/portalnews?sslmode=require"


def test_db_psql_runs_the_embedded_servers_psql_as_the_analyst(db_url, monkeypatch, capfd):
    monkeypatch.setenv("DATABASE_URL", db_url)
    code = main(["db", "psql", "--analyst", "-c", "SELECT current_user, vi_fold('Đảng') AS folded"])
    out = capfd.readouterr().out
    assert code == 0
    assert "analyst" in out and "dang" in out
    code = main(["db", "psql", "--analyst", "-c", "DELETE FROM portals"])
    assert code != 0
    assert "read-only transaction" in capfd.readouterr().err
