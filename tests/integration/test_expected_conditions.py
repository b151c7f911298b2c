"""Expected conditions say one line naming the cause and the fix, never a traceback (issue 17, item 6):
a run refused as busy, the Scrapy child killed, Ctrl-C (the run's row is closed as failed: interrupted),
commands with the database down, `--registry DIR`, a corrupt stored page, a cancelled download.
Real processes, real signals, real PostgreSQL, real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from scrapy.exceptions import DownloadCancelledError
from twisted.python.failure import Failure

from portalnews import jobs
from portalnews.cli import main
from portalnews.pipelines.clean import clean_pending
from portalnews.registry import Portal
from portalnews.spiders.fetch_failures import failure_reason
from portalnews.store import embedded as embedded_db
from portalnews.store.locks import portal_lock
from portalnews.store.schema import register_portals
from tests.support.database import query
from tests.support.hostile_site import HostileSite

SLUGS = [f"tin-cham-{n}-{800 + n}" for n in range(1, 9)]


@pytest.fixture
def slow_site(tmp_path):
    site = HostileSite(tmp_path, "dieukien").articles_listed(SLUGS).serve()
    crawling = threading.Event()

    def slow():
        crawling.set()
        time.sleep(2.0)

    for slug in SLUGS:
        site.mirror.before[f"/bai-viet/{slug}.html"] = slow
    site.crawling = crawling
    yield site
    site.stop()


def _no_traceback(caplog) -> None:
    assert not [r for r in caplog.records if r.exc_info], [
        r.getMessage() for r in caplog.records if r.exc_info
    ]


def test_a_run_refused_as_busy_is_one_line(db_url, slow_site, caplog):
    with portal_lock(db_url, slow_site.portal.id):
        summary = jobs.run_portal(db_url, slow_site.portal, [slow_site.registry_file])
    assert summary["status"] == "failed" and summary["message"].startswith(
        "PortalBusy: another run of dieukien"
    )
    assert "\n" not in summary["message"]
    _no_traceback(caplog)


def _scrapy_children() -> list[psutil.Process]:
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            if "scrapy" in " ".join(process.cmdline()):
                found.append(process)
        except psutil.NoSuchProcess:  # ended meanwhile, or a zombie not yet reaped (ZombieProcess)
            continue
    return found


def test_a_killed_scrapy_child_is_one_line_naming_the_signal(db_url, slow_site, caplog):
    result: dict = {}
    runner = threading.Thread(target=lambda: result.update(
        jobs.run_portal(db_url, slow_site.portal, [slow_site.registry_file], on_line=lambda _line: None)))
    runner.start()
    assert slow_site.crawling.wait(60)
    (child,) = _scrapy_children()
    child.kill()
    runner.join(120)
    assert result["status"] == "failed", result
    assert result["message"].startswith("CrawlError: the Scrapy crawl of dieukien was killed by SIGKILL")
    assert "\n" not in result["message"]
    stored = query(db_url, "SELECT message FROM crawl_runs WHERE id = %s", (result["run_id"],))[0]["message"]
    assert stored == result["message"]
    _no_traceback(caplog)


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_closes_the_runs_row_as_interrupted_without_tracebacks(db_url, slow_site):
    env = dict(os.environ, DATABASE_URL=db_url)
    run = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("portalnews")),
            "run",
            "--registry",
            str(slow_site.registry_file),
            "--portal",
            "dieukien",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        # as a terminal starts it: a child inherits an ignored SIGINT (this test process may ignore it,
        # as a pytest-xdist worker can), and Python then never turns Ctrl-C into KeyboardInterrupt
        preexec_fn=_sigint_default,
    )
    assert slow_site.crawling.wait(60)
    os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole foreground group
    output = run.communicate(timeout=120)[0]
    assert run.returncode == 130, output
    assert "Traceback" not in output, output
    assert output.rstrip().endswith("portalnews: interrupted")
    (row,) = query(db_url, "SELECT status, message FROM crawl_runs")
    assert row["status"] == "failed" and row["message"].startswith("interrupted"), row


@pytest.mark.parametrize("command", [["reextract"], ["search", "nghi quyet"], ["export", "--format", "csv"],
                                     ["db", "migrate"]])
def test_commands_with_the_database_down_say_so_in_one_line(command):
    env = dict(os.environ, DATABASE_URL=f"postgresql://nobody:x@127.0.0.1:{embedded_db._free_port()}/none")
    done = subprocess.run([str(Path(sys.executable).with_name("portalnews")), *command], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr, done.stderr
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith("portalnews: database unreachable (connection to server")
    )


def test_a_registry_directory_is_one_line(tmp_path, capsys):
    assert main(["run", "--registry", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err == f"portalnews: registry error: {tmp_path} is a directory: --registry and PORTALNEWS_REGISTRY "
        "name TOML files"
    )


def test_a_corrupt_stored_page_is_one_warning_not_an_extractor_crash(db_url, caplog):
    portal = Portal(id="hong", name="hong", base_url="http://127.0.0.1:9/", start_urls=("http://127.0.0.1:9/",),
                    article_url_pattern="/bai-viet/")
    register_portals(db_url, [portal])
    query(
        db_url,
        "INSERT INTO raw_pages (portal, requested_url, url, canonical_url, status, html_gz, content_sha256)"
        " VALUES ('hong', 'http://127.0.0.1:9/bai-viet/a-1', 'http://127.0.0.1:9/bai-viet/a-1',"
        " 'https://127.0.0.1:9/bai-viet/a-1', 200, '\\x1f8b0800deadbeef'::bytea, 'x')",
    )
    with caplog.at_level(logging.WARNING):
        result = clean_pending(db_url, portal).as_dict()
    assert result["failed"] == 1
    (warning,) = [r.getMessage() for r in caplog.records if "a-1" in r.getMessage()]
    assert "its stored HTML is corrupt" in warning and "crashed" not in warning
    _no_traceback(caplog)


def test_a_cancelled_download_has_a_reason():
    reason = failure_reason(Failure(DownloadCancelledError("")))
    assert reason == ("DownloadCancelledError: download cancelled by the crawler (over DOWNLOAD_MAXSIZE, "
                      "or the crawl was stopping)")
    assert failure_reason(Failure(ValueError(""))) == "ValueError: no message given"
