"""The Portal health page as a FastAPI app, mounted at /portalnews in Airflow's API server by the UI plugin
(plugin.py), which imports this module only when the API server asks for its apps."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI(
    title="portalnews", description="Portal health page", docs_url=None, redoc_url=None, openapi_url=None
)


def _db_url() -> str:
    from airflow.models.connection import Connection

    from portalnews.config import DB_CONNECTION_ID

    return Connection.get_connection_from_secrets(DB_CONNECTION_ID).get_uri()


def _registry_portals():
    from portalnews.config import registry_files
    from portalnews.registry import load_registry

    return load_registry(registry_files()).values()


def _access():
    # Same rule as the DAG list: a signed-in user (the UI's
    # session cookie or a bearer token) who may read DAGs.
    from airflow.api_fastapi.core_api.security import requires_access_dag

    return requires_access_dag("GET")


@app.get("/health", response_class=HTMLResponse, dependencies=[Depends(_access())])
def portal_health_page() -> str:
    from portalnews.monitoring.health_page import page

    return page(_db_url, _registry_portals)
