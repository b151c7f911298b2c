"""Least privilege on the embedded server, the `make run` default (issue 11): migrations and the admin's
psql log in as the superuser `postgres`; everything the pipeline does logs in as `portalnews_crawler`
(a member of portalnews_pipeline: rows only); Airflow's metadata database belongs to `airflow`. No
superuser login anywhere else. Real embedded servers, real crawls of a recorded site, real psycopg2."""

from __future__ import annotations

import argparse
import stat
from urllib.parse import urlsplit

import psycopg2
import pytest

from portalnews.cli import main
from portalnews.store import embedded as embedded_db
from portalnews.store import embedded_roles
from portalnews.store.db import admin_database_url, database_url
from tests.support.database import query


@pytest.fixture
def in_default_home(home_with_a_running_server, monkeypatch):
    home, server = home_with_a_running_server
    monkeypatch.setenv("PORTALNEWS_HOME", str(home))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return home, server


def _role(url: str) -> dict:
    return query(url, "SELECT current_user AS name, r.rolsuper AS superuser,"
                      " pg_has_role(current_user, 'portalnews_pipeline', 'MEMBER') AS pipeline_member"
                      " FROM pg_roles r WHERE r.rolname = current_user")[0]


def test_the_pipeline_logs_in_as_portalnews_crawler_with_its_own_password_not_as_a_superuser(in_default_home):
    home, server = in_default_home
    url = database_url()
    secret = home / "secrets" / "portalnews_crawler.password"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert (urlsplit(url).username, urlsplit(url).password) == (
        "portalnews_crawler",
        secret.read_text().strip(),
    )
    assert _role(url) == {"name": "portalnews_crawler", "superuser": False, "pipeline_member": True}
    assert database_url() == url  # the same login on every call


def test_migrations_keep_the_superuser(in_default_home):
    _home, server = in_default_home
    assert admin_database_url() == server.url("portalnews")
    assert _role(admin_database_url())["superuser"] is True


@pytest.mark.parametrize("statement", [
    "SELECT pg_read_file('/etc/passwd')",
    "COPY (SELECT 1) TO PROGRAM 'id'",
    "CREATE TABLE stolen (x text)",
    "ALTER TABLE articles ADD COLUMN planted text",
    "DROP TABLE articles",
    "TRUNCATE schema_migrations",
    "CREATE ROLE intruder SUPERUSER",
])
def test_the_pipelines_login_cannot_read_files_run_programs_or_change_the_schema(in_default_home, statement):
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        query(database_url(), statement)


def test_a_pipeline_login_made_superuser_by_hand_is_put_back_on_the_next_start(in_default_home):
    _home, server = in_default_home
    query(server.url("postgres"), "ALTER ROLE portalnews_crawler SUPERUSER CREATEROLE")
    query(server.url("postgres"), "REVOKE portalnews_pipeline FROM portalnews_crawler")
    assert _role(database_url()) == {
        "name": "portalnews_crawler",
        "superuser": False,
        "pipeline_member": True,
    }


@pytest.fixture
def writes_recorded_with_their_login(in_default_home):
    """A trigger (made by the superuser) noting which login wrote each raw page and article."""
    _home, server = in_default_home
    admin = server.url("portalnews")
    query(admin, """
        CREATE TABLE written_by (relation text, login text);
        CREATE FUNCTION note_login() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN INSERT INTO written_by VALUES (TG_TABLE_NAME, current_user); RETURN NULL; END $$;
        CREATE TRIGGER note_login AFTER INSERT ON raw_pages FOR EACH ROW EXECUTE FUNCTION note_login();
        CREATE TRIGGER note_login AFTER INSERT ON articles FOR EACH ROW EXECUTE FUNCTION note_login();""")
    yield admin
    query(admin, "DROP TRIGGER note_login ON raw_pages; DROP TRIGGER note_login ON articles;"
                 " DROP FUNCTION note_login(); DROP TABLE written_by")


def test_a_whole_portalnews_run_on_the_embedded_server_writes_every_row_as_portalnews_crawler(
        writes_recorded_with_their_login, serve_site, capsys):
    admin = writes_recorded_with_their_login
    site = serve_site("nukeviet_province")
    code = main(["run", "--registry", str(site.registry_file), "--portal", site.portal.id])
    assert code == 0, capsys.readouterr().out[-3000:]
    articles = query(admin, "SELECT count(*) AS n FROM articles WHERE portal = %s", (site.portal.id,))[0]["n"]
    assert articles == len(site.expected)
    logins = query(admin, "SELECT relation, login, count(*) AS n FROM written_by GROUP BY 1, 2 ORDER BY 1")
    assert [(r["relation"], r["login"]) for r in logins] == [("articles", "portalnews_crawler"),
                                                               ("raw_pages", "portalnews_crawler")]
    assert logins[0]["n"] == len(site.expected)


def test_airflows_metadata_database_belongs_to_airflow_which_is_no_superuser_and_reads_no_articles(
    in_default_home,
):
    from portalnews.cli.airflow import _environment

    home, server = in_default_home
    env, pipeline = _environment(argparse.Namespace(registry=None))
    metadata = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace(
        "postgresql+psycopg2://", "postgresql://", 1
    )
    assert urlsplit(metadata).username == "airflow" and urlsplit(metadata).path == "/airflow"
    secret = home / "secrets" / "airflow.password"
    assert (
        urlsplit(metadata).password == secret.read_text().strip()
        and stat.S_IMODE(secret.stat().st_mode) == 0o600
    )
    assert (
        urlsplit(env["AIRFLOW_CONN_PORTALNEWS_DB"]).username
        == "portalnews_crawler"
        == urlsplit(pipeline).username
    )
    assert query(metadata, "SELECT rolsuper, datdba::regrole::text AS owner FROM pg_roles, pg_database"
                           " WHERE rolname = current_user AND datname = current_database()") == [
        {"rolsuper": False, "owner": "airflow"}]
    query(metadata, "CREATE TABLE airflow_own_migration (id int); DROP TABLE airflow_own_migration")
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        query(metadata, "SELECT pg_read_file('/etc/passwd')")
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        query(
            server.login_url("airflow", urlsplit(metadata).password, "portalnews"),
            "SELECT count(*) FROM articles",
        )


def test_an_airflow_database_left_by_an_earlier_version_is_handed_to_airflow_with_everything_in_it(
    in_default_home,
):
    _home, server = in_default_home
    embedded_db._superuser_execute(server, "DROP DATABASE IF EXISTS airflow WITH (FORCE)")  # autocommit
    # What earlier versions did: the superuser created the database and Airflow's migrations ran as it.
    embedded_db.ensure_database(server, "airflow")
    query(server.url("airflow"), """
        CREATE TYPE dag_state AS ENUM ('queued', 'running');
        CREATE TABLE dag_run (id serial PRIMARY KEY, dag_id text NOT NULL, state dag_state);
        CREATE SEQUENCE standalone_seq;
        CREATE VIEW running_runs AS SELECT dag_id FROM dag_run WHERE state = 'running';
        CREATE FUNCTION dag_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM dag_run';
        INSERT INTO dag_run (dag_id, state) VALUES ('portalnews_danang', 'running');""")

    url = embedded_roles.airflow_url(server)

    owners = query(
        server.url("airflow"),
        """
        SELECT 'database' AS kind, datdba::regrole::text AS owner FROM pg_database WHERE datname = 'airflow'
        UNION SELECT relkind::text, relowner::regrole::text FROM pg_class
              WHERE relnamespace = 'public'::regnamespace
        UNION SELECT 'type', typowner::regrole::text FROM pg_type WHERE typname = 'dag_state'
        UNION SELECT 'function', proowner::regrole::text FROM pg_proc WHERE proname = 'dag_count'""",
    )
    assert {o["owner"] for o in owners} == {"airflow"}
    assert {o["kind"] for o in owners} >= {"database", "r", "S", "v", "i", "type", "function"}
    # Airflow's next migration, as `airflow`: DDL on its tables, and the row kept.
    query(url, "ALTER TABLE dag_run ADD COLUMN note text; ALTER TYPE dag_state ADD VALUE 'success'")
    assert query(url, "SELECT dag_id, dag_count() AS n FROM running_runs") == [
        {"dag_id": "portalnews_danang", "n": 1}
    ]
    assert embedded_roles.airflow_url(server) == url


@pytest.mark.slow
def test_a_real_airflow_database_migrated_as_the_superuser_is_handed_over_and_airflow_still_migrates_it(
        in_default_home):
    import subprocess

    from portalnews.airflow_env import airflow_environment

    home, server = in_default_home
    embedded_db._superuser_execute(server, "DROP DATABASE IF EXISTS airflow WITH (FORCE)")
    embedded_db.ensure_database(server, "airflow")
    earlier = airflow_environment(
        server.url("portalnews"), server.url("airflow"), airflow_home=home / "airflow"
    )
    subprocess.run(["airflow", "db", "migrate"], env=earlier, check=True, capture_output=True, text=True)

    url = embedded_roles.airflow_url(server)

    not_airflows = query(server.url("airflow"), """
        SELECT 'relation ' || oid::regclass AS object FROM pg_class
         WHERE relnamespace = 'public'::regnamespace AND relowner <> 'airflow'::regrole
        UNION ALL SELECT 'type ' || oid::regtype FROM pg_type
         WHERE typnamespace = 'public'::regnamespace AND typowner <> 'airflow'::regrole
        UNION ALL SELECT 'routine ' || oid::regprocedure FROM pg_proc
         WHERE pronamespace = 'public'::regnamespace AND proowner <> 'airflow'::regrole""")
    assert not_airflows == []
    assert (
        len(query(url, "SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tableowner = 'airflow'")) > 50
    )
    now = airflow_environment(database_url(), url, airflow_home=home / "airflow")
    for command in (
        ["db", "migrate"],
        ["db", "check-migrations", "-t", "0"],
        ["pools", "set", "portal_crawl", "2", "x"],
    ):
        done = subprocess.run(["airflow", *command], env=now, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]


def test_a_crawl_lock_held_by_another_login_is_reported_busy_not_a_crash(in_default_home):
    from portalnews.store.locks import PortalBusy, portal_lock

    _home, server = in_default_home
    # e.g. an operator's `portalnews run` with the owner's DATABASE_URL while Airflow's task holds the
    # lock as portalnews_crawler: PostgreSQL hides the other login's session details from a non-superuser.
    with (portal_lock(server.url("portalnews"), "danang"),
          pytest.raises(PortalBusy, match=r"^another run of danang is crawling; this run stops"),
          portal_lock(database_url(), "danang")):
        pass


def test_the_health_dags_steps_and_incidents_work_as_the_pipelines_login(in_default_home):
    from portalnews import jobs
    from portalnews.monitoring.health import compute_health
    from portalnews.monitoring.incidents import mark_notified, open_incident, resolve_incidents
    from portalnews.registry import load_registry
    from portalnews.store.schema import register_portals

    _home, server = in_default_home
    url = database_url()
    portals = list(load_registry([]).values())
    register_portals(url, portals)
    jobs.close_dead_runs(url)
    assert {h.portal for h in compute_health(url, portals)} == {p.id for p in portals}
    incident = open_incident(url, "danang", "health", "newest article is 80 h old", None)
    mark_notified(url, incident["id"])
    assert resolve_incidents(url, "danang", "health") == 1
    stored = query(server.url("portalnews"), "SELECT count(DISTINCT portal) AS n FROM portal_health")
    assert stored == [{"n": len(portals)}]


def test_the_analysts_commands_read_as_the_analyst_not_as_the_pipelines_login(in_default_home, capsys):
    _home, server = in_default_home
    admin = server.url("portalnews")
    # Only the analyst may read articles for this test: a command logged in as the pipeline would fail.
    query(admin, "REVOKE SELECT ON articles FROM portalnews_pipeline")
    try:
        assert main(["export", "--format", "csv"]) == 0
        assert capsys.readouterr().out.startswith("id,")
        assert main(["search", "xyzzy plugh"]) == 1  # articles read, nothing matches
        assert "no article matches" in capsys.readouterr().err
    finally:
        query(admin, "GRANT SELECT ON articles TO portalnews_pipeline")
