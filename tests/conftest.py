"""Shared fixtures: a real PostgreSQL server, a fresh database per test, and fixture portal sites
served over real HTTP on 127.0.0.1. Plain helpers are in tests/support. Each test gets the marker of
its tier from its directory: unit (pure, no server), integration (PostgreSQL, HTTP on 127.0.0.1),
system (Airflow, a browser, make, Compose, fresh installs); `make test-fast` leaves out system."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

from portalnews.mirror import SiteMirror  # noqa: E402
from portalnews.registry import Portal, load_registry  # noqa: E402
from portalnews.store import embedded as embedded_db  # noqa: E402
from portalnews.store.schema import migrate  # noqa: E402
from tests.support.database import keep_the_analysts_password, on_server, query, server_cursor  # noqa: E402
from tests.support.paths import SITES_DIR  # noqa: E402

# Shared fixtures of their own modules: the Airflow UI in a browser; the portal-health history; pywb.
pytest_plugins = ["tests.support.airflow_ui", "tests.support.portal_history", "tests.support.archives"]

TIERS = ("unit", "integration", "system")


def pytest_collection_modifyitems(config, items):
    """The tier's marker from the test's directory, so `-m "not system"` selects by tier."""
    tests_dir = Path(__file__).parent
    for item in items:
        tier = item.path.relative_to(tests_dir).parts[0] if item.path.is_relative_to(tests_dir) else None
        if tier in TIERS:
            item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture(scope="session", autouse=True)
def portalnews_home(tmp_path_factory):
    """Keep spools, job dirs and Airflow state of the tests out of the user's home."""
    home = tmp_path_factory.mktemp("portalnews-home")
    old = os.environ.get("PORTALNEWS_HOME")
    os.environ["PORTALNEWS_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("PORTALNEWS_HOME", None)
    else:
        os.environ["PORTALNEWS_HOME"] = old


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory, portalnews_home):
    """A real PostgreSQL server (the embedded one), or TEST_DATABASE_SERVER_URL's server if set."""
    external = os.environ.get("TEST_DATABASE_SERVER_URL")
    if external:
        yield external.rstrip("/")
        return
    # Not under pytest's basetemp: every new pytest session resets /tmp/pytest-of-<user> to 0700.
    parent = Path(tempfile.mkdtemp(prefix="portalnews-test-pg-"))
    pgdata = parent / "data"
    server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
    # The analyst logs in with a password, as `portalnews db url --analyst` gives it (analyst_url reads it).
    old_password = os.environ.get("PORTALNEWS_ANALYST_PASSWORD")
    os.environ["PORTALNEWS_ANALYST_PASSWORD"] = embedded_db.login_password(server, "analyst")
    yield server.base_url  # postgresql://postgres:<password>@127.0.0.1:<port>
    embedded_db.stop(pgdata)
    embedded_db.remove_cluster(pgdata)  # as root it may live outside `parent` (server_placement.py)
    shutil.rmtree(parent, ignore_errors=True)
    if old_password is None:
        os.environ.pop("PORTALNEWS_ANALYST_PASSWORD", None)
    else:
        os.environ["PORTALNEWS_ANALYST_PASSWORD"] = old_password


@pytest.fixture(scope="module")
def home_with_a_running_server():
    """The path `make run` takes: a PORTALNEWS_HOME under a 0700 directory (as home directories are),
    no DATABASE_URL, after `portalnews db start` and `portalnews db migrate`. Yields the home and its
    running embedded server (one per test module)."""
    from portalnews.cli import main

    parent = Path(tempfile.mkdtemp(prefix="portalnews-test-home-"))  # mkdtemp makes it 0700
    home = parent / "home"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PORTALNEWS_HOME", str(home))
        env.setenv("PORTALNEWS_DB_PORT", str(embedded_db._free_port()))
        env.delenv("DATABASE_URL", raising=False)
        assert main(["db", "start"]) == 0
        assert main(["db", "migrate"]) == 0
        yield home, embedded_db.running_server(home / "pgdata")
        embedded_db.stop(home / "pgdata")
    embedded_db.remove_cluster(home / "pgdata")
    shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture
def make_database(pg_server):
    """Factory for fresh, empty databases on the test server."""
    created = []

    def make(migrated: bool = True) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        with server_cursor(pg_server) as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
            keep_the_analysts_password(cur)
        url = f"{pg_server}/{name}"
        if migrated:
            migrate(url)
        created.append(name)
        return url

    yield make
    on_server(pg_server, *(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in created))


@pytest.fixture
def db_url(make_database) -> str:
    """A fresh database with the schema applied."""
    return make_database()


@pytest.fixture(scope="session")
def airflow_metadata_url(pg_server, tmp_path_factory):
    """Airflow's metadata database on the test server, migrated once per session."""
    import subprocess

    from portalnews.airflow_env import airflow_environment

    on_server(pg_server, "DROP DATABASE IF EXISTS airflow_meta WITH (FORCE)", "CREATE DATABASE airflow_meta")
    url = f"{pg_server}/airflow_meta"
    home = tmp_path_factory.mktemp("airflow-home")
    env = airflow_environment(f"{pg_server}/postgres", url, airflow_home=home)
    subprocess.run(["airflow", "db", "migrate"], env=env, check=True, capture_output=True, text=True)
    return url, home


@dataclass
class ServedSite:
    name: str
    mirror: SiteMirror
    registry_file: Path
    portal: Portal

    @property
    def expected(self) -> list[dict]:
        """Expected cleaned articles of the site, from its expected/*.json files."""
        return [json.loads(p.read_text(encoding="utf-8"))
                for p in sorted((self.mirror.site_dir / "expected").glob("*.json"))]

    def article_requests(self) -> list[tuple[str, str, int]]:
        return self.mirror.requested(
            lambda path: bool(self.portal.article_regex.search(self.mirror.url(path)))
        )


@pytest.fixture
def serve_site(tmp_path):
    """Factory: serve tests/fixtures/sites/<name> on 127.0.0.1 and write its registry file."""
    started: list[SiteMirror] = []

    def serve(name: str) -> ServedSite:
        mirror = SiteMirror(SITES_DIR / name).start()
        started.append(mirror)
        registry_file = tmp_path / f"{name}.toml"
        registry_file.write_text(mirror.registry_text(), encoding="utf-8")
        (portal,) = load_registry([registry_file], include_builtin=False).values()
        return ServedSite(name, mirror, registry_file, portal)

    yield serve
    for mirror in started:
        mirror.stop()


@pytest.fixture
def pipeline_login_url(db_url, pg_server):
    """db_url, but logged in as a fresh role that is only a member of portalnews_pipeline."""
    role, password = "crawler_" + uuid.uuid4().hex[:8], uuid.uuid4().hex
    query(
        f"{pg_server}/postgres",
        f"CREATE ROLE {role} LOGIN NOSUPERUSER PASSWORD %s IN ROLE portalnews_pipeline",
        (password,),
    )
    server = urlsplit(db_url)
    yield f"postgresql://{role}:{password}@{server.hostname}:{server.port}{server.path}", role
    query(db_url, f"REASSIGN OWNED BY {role} TO postgres; DROP OWNED BY {role}")
    query(f"{pg_server}/postgres", f"DROP ROLE {role}")
