"""Airflow as the system tests run it: the environment of `airflow dags test` and the DAG folder parsed."""

from __future__ import annotations

import os

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
