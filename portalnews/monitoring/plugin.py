"""The Airflow 3 UI plugin (entry point `airflow.plugins` in pyproject.toml, so `airflow plugins`
lists it wherever the package is installed): the Portal health page, a FastAPI app mounted at
/portalnews in the API server (health_app.py) and shown in the UI's navigation as an external view; and
the middleware that opens the UI in Airflow's default time zone.

Every task process loads the plugins (for their listeners), so this module stays light: the app and the
middleware are imported when the API server reads them. Importing FastAPI and Airflow's API security
here cost each Celery task 0.4-1.5 s before it started (bench/README.md, "The scheduled path after the
body hint"); LocalExecutor tasks inherit the scheduler's loaded plugins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/portalnews"


class _BuiltOnFirstRead:
    """A plugin attribute built the first time Airflow reads it, then kept."""

    def __init__(self, build: Callable[[], list[dict[str, Any]]]):
        self.build = build
        self.value: list[dict[str, Any]] | None = None

    def __get__(self, instance, owner) -> list[dict[str, Any]]:
        if self.value is None:
            self.value = self.build()
        return self.value


def _apps() -> list[dict[str, Any]]:
    from portalnews.monitoring.health_app import app

    return [{"app": app, "url_prefix": URL_PREFIX, "name": "Portal health"}]


def _root_middlewares() -> list[dict[str, Any]]:
    # The UI shows times in [core] default_timezone unless the user picked a zone (ui_timezone.py).
    from portalnews.monitoring.ui_timezone import DefaultTimezoneMiddleware

    return [{"middleware": DefaultTimezoneMiddleware, "name": "UI default timezone"}]


class PortalnewsPlugin(AirflowPlugin):
    name = "portalnews"
    fastapi_apps = _BuiltOnFirstRead(_apps)
    fastapi_root_middlewares = _BuiltOnFirstRead(_root_middlewares)
    external_views = [{
        "name": "Portal health",
        "href": f"{URL_PREFIX}/health",
        "url_route": "portal-health",  # shown inside the UI at /plugin/portal-health
        "destination": "nav",
        "category": "browse",
    }]
