"""Airflow as the system tests run it: the environment of `airflow dags test` and the DAG folder parsed."""

from __future__ import annotations

import json
import os
import urllib.request

from tests.support.paths import REPO


def airflow_test_env(db_url, airflow_metadata_url, registry_file) -> dict:
    """The environment of an `airflow dags test` against db_url, with registry_file's portals."""
    from portalnews.airflow_env import airflow_environment

    url, home = airflow_metadata_url
    env = airflow_environment(db_url, url, airflow_home=home)
    env["PORTALNEWS_REGISTRY"] = str(registry_file)
    return env


def dag_bag(registry_file=None):
    """The repo's DAG folder parsed by Airflow, with registry_file's portals when given."""
    from airflow.dag_processing.dagbag import DagBag

    old = os.environ.get("PORTALNEWS_REGISTRY")
    if registry_file:
        os.environ["PORTALNEWS_REGISTRY"] = str(registry_file)
    try:
        return DagBag(dag_folder=str(REPO / "dags"))
    finally:
        if old is None:
            os.environ.pop("PORTALNEWS_REGISTRY", None)
        else:
            os.environ["PORTALNEWS_REGISTRY"] = old


def airflow_api(base: str, path: str, token: str | None = None, method: str = "GET",
                body: dict | None = None, attempts: int = 3) -> dict:
    """One REST call; a call timing out (the API server starved of CPU on a loaded machine) is made again."""
    request = urllib.request.Request(
        base + path,
        method=method,
        data=json.dumps(body).encode() if body else None,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read() or b"{}")
        except TimeoutError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
