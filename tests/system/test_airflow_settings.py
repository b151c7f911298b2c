"""The settings `portalnews up` gives Airflow (portalnews.airflow_env.LEAN_SETTINGS) are the ones Airflow
reads, and an operator's own AIRFLOW__... variable wins (docs/operators.md#airflows-own-cpu)."""

from __future__ import annotations

import subprocess

from portalnews.airflow_env import LEAN_SETTINGS, airflow_environment


def airflow_reads(env: dict[str, str], variable: str) -> str:
    section, key = variable.removeprefix("AIRFLOW__").lower().split("__", 1)
    done = subprocess.run(["airflow", "config", "get-value", section, key], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]  # Airflow may log a line before the value


def test_airflow_reads_the_lean_settings_and_an_operators_variable_wins(tmp_path, monkeypatch):
    for variable in LEAN_SETTINGS:
        monkeypatch.delenv(variable, raising=False)
    # never connected to: `airflow config` reads settings only
    urls = ("postgresql://user:password@127.0.0.1:1/portalnews", "postgresql://user:password@127.0.0.1:1/airflow")
    env = airflow_environment(*urls, airflow_home=tmp_path / "airflow")
    assert {variable: airflow_reads(env, variable) for variable in LEAN_SETTINGS} == LEAN_SETTINGS
    # a task's supervisor looks at its process every second, not Airflow's 5 s (the executor slot's wait)
    assert airflow_reads(env, "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL") == "1"

    monkeypatch.setenv("AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL", "7")
    env = airflow_environment(*urls, airflow_home=tmp_path / "airflow")
    assert airflow_reads(env, "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL") == "7"
