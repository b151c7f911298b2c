"""The Airflow 3 UI plugin (entry point `airflow.plugins` in pyproject.toml, so `airflow plugins`
lists it wherever the package is installed): the Portal health page, a FastAPI app mounted at
/portalnews in the API server and shown in the UI's navigation as an external view; and the
middleware that opens the UI in Airflow's default time zone."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse

from portalnews.monitoring.ui_timezone import DefaultTimezoneMiddleware

URL_PREFIX = "/portalnews"

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


class PortalnewsPlugin(AirflowPlugin):
    name = "portalnews"
    fastapi_apps = [{"app": app, "url_prefix": URL_PREFIX, "name": "Portal health"}]
    # The UI shows times in [core] default_timezone unless the user picked a zone (ui_timezone.py).
    fastapi_root_middlewares = [{"middleware": DefaultTimezoneMiddleware, "name": "UI default timezone"}]
    external_views = [{
        "name": "Portal health",
        "href": f"{URL_PREFIX}/health",
        "url_route": "portal-health",  # shown inside the UI at /plugin/portal-health
        "destination": "nav",
        "category": "browse",
    }]
