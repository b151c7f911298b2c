"""Every Airflow task process loads the plugins (for their listeners): the portalnews UI plugin must not make
it import the health page's web stack (portalnews/monitoring/plugin.py), which the API server alone needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

LOADED_BY_A_TASK_PROCESS = """
import json, sys
import airflow.sdk.execution_time.task_runner
from airflow import plugins_manager
from airflow.listeners.listener import get_listener_manager
get_listener_manager()  # what a task process's start-up calls: every plugin loaded
plugins = {plugin.name: plugin for plugin in plugins_manager._get_plugins()[0]}
print(json.dumps({"portalnews": "portalnews" in plugins, "modules": sorted(sys.modules)}))
apps, middlewares = plugins_manager.get_fastapi_plugins()  # what the API server reads
print(json.dumps([app["url_prefix"] for app in apps] + [m["name"] for m in middlewares]))
"""


def test_loading_the_plugins_leaves_the_health_pages_web_stack_to_the_api_server(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", LOADED_BY_A_TASK_PROCESS], capture_output=True, text=True, timeout=180,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AIRFLOW_HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded, served = (json.loads(line) for line in result.stdout.strip().splitlines()[-2:])
    assert loaded["portalnews"], "the portalnews plugin was loaded"
    heavy = {"fastapi", "airflow.api_fastapi.core_api.security", "portalnews.monitoring.health_app"}
    assert heavy.isdisjoint(loaded["modules"])
    assert served == ["/portalnews", "UI default timezone"]  # and the API server still gets both
