"""The backfill DAG's `source` param: set to a Wayback-compatible archive's URL, the DAG backfills the
portal from the archive's captures (a real pywb on 127.0.0.1, a real `airflow dags test`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.airflow_env import airflow_test_env
from tests.support.archives import record_warc
from tests.support.database import query


def test_the_backfill_dag_backfills_from_the_archive_its_source_names(
        db_url, serve_site, tmp_path, pywb_archive, airflow_metadata_url):
    site = serve_site("liferay_danang")
    archive = pywb_archive(record_warc(site, tmp_path / "recorded.warc.gz"))
    site.mirror.stop()
    env = airflow_test_env(db_url, airflow_metadata_url, site.registry_file)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    conf = json.dumps(
        {"portal": site.portal.id, "since": "2000-01-01", "depth": 10, "wait": 1, "source": archive}
    )

    done = subprocess.run(["airflow", "dags", "test", "portalnews_backfill", "-c", conf], env=env, text=True,
                          capture_output=True, timeout=900)

    output = done.stdout + done.stderr
    (run,) = query(db_url, "SELECT trigger, status, stats FROM crawl_runs")
    assert run["trigger"] == "backfill" and run["status"] == "success", output[-4000:]
    assert run["stats"]["crawl"]["archive_urls_matched"] == len(site.expected)
    assert {r["source"] for r in query(db_url, "SELECT source FROM raw_pages")} == {"archive"}
    assert query(db_url, "SELECT count(*) AS n FROM articles")[0]["n"] == len(site.expected)
