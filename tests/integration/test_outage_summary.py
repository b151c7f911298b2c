"""`portalnews run` when the database goes away during the crawl and is still gone after it (issue 11,
item 5): the run ends with one line saying what was fetched, where it is kept and what happens next;
it exits non-zero without a traceback; the next run loads every page once and closes the run's row
with that line. A real PostgreSQL server stopped mid-run, a real crawl of a real HTTP server."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest

from portalnews.cli import main
from portalnews.store import embedded as embedded_db
from portalnews.store.schema import migrate
from portalnews.store.spool import spool_dir, spool_path
from tests.support.database import query
from tests.support.hostile_site import HostileSite

SLUGS = [f"tiep-xuc-cu-tri-so-{n}-{200 + n}" for n in range(1, 11)]


@pytest.fixture
def server_to_stop():
    """A PostgreSQL server of the test's own (the session's is shared), which the test stops."""
    parent = Path(tempfile.mkdtemp(prefix="portalnews-test-gone-"))
    pgdata = parent / "data"
    server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
    embedded_db.ensure_database(server, "gone")
    migrate(server.url("gone"))
    yield pgdata, server.port, server.url("gone")
    embedded_db.stop(pgdata)
    embedded_db.remove_cluster(pgdata)
    shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture
def site_of_ten_articles(tmp_path):
    served = HostileSite(tmp_path, "muoi").articles_listed(SLUGS).serve()
    yield served
    served.stop()


def test_a_run_whose_database_is_gone_after_the_crawl_ends_with_one_line_and_loses_nothing(
        server_to_stop, site_of_ten_articles, monkeypatch, capfd):
    pgdata, port, url = server_to_stop
    site = site_of_ten_articles
    portal = site.portal.id
    monkeypatch.setenv("DATABASE_URL", url)
    run = ["run", "--registry", str(site.registry_file), "--portal", portal]
    # The database stops just before the fourth article is served, and stays down after the crawl.
    site.mirror.before[f"/bai-viet/{SLUGS[3]}.html"] = lambda: embedded_db.stop(pgdata)

    code = main(run)

    out, err = capfd.readouterr()
    assert code == 1
    last = out.strip().splitlines()[-1]
    line = re.fullmatch(
        rf"portalnews: (database unreachable after the crawl of {portal}: 10 pages fetched, (\d+) stored, "
        r"(\d+) kept"
        rf" in {re.escape(str(spool_path(portal)))}; the next run cleans and loads them)",
        last,
    )
    assert line, last
    stored, kept = int(line[2]), int(line[3])
    assert stored + kept == 10 and kept >= 1
    assert len(spool_path(portal).read_bytes().splitlines()) == kept
    assert "Traceback" not in out + err

    embedded_db.start(pgdata=pgdata, port=port)
    site.mirror.reset_log()
    assert main(run) == 0
    capfd.readouterr()

    assert site.mirror.requested(lambda path: path.startswith("/bai-viet/")) == []  # all 10 were kept
    rows = query(url, "SELECT url FROM articles WHERE portal = %s", (portal,))
    assert sorted(r["url"] for r in rows) == sorted(site.url(f"/bai-viet/{s}.html") for s in SLUGS)
    assert query(url, "SELECT count(*) AS n FROM raw_pages")[0]["n"] == 10
    assert list(spool_dir().glob(f"{portal}*")) == []
    runs = query(url, "SELECT status, message FROM crawl_runs WHERE portal = %s ORDER BY id", (portal,))
    assert runs == [{"status": "failed", "message": line[1]}, {"status": "success", "message": None}]
