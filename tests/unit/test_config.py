"""One settings object: the environment is read in portalnews/config.py only, each variable documented
there and in docs/deploying.md."""

from __future__ import annotations

import ast

import pytest

from portalnews import config
from tests.support.paths import REPO

# Airflow's own variables, given defaults for `portalnews up` where Airflow's environment is built.
AIRFLOW_ENVIRONMENT = REPO / "portalnews" / "airflow_env.py"


def reads_the_environment(node: ast.AST) -> bool:
    """os.environ.get(...), os.getenv(...) or os.environ[...] (copying the whole environment is not
    reading)."""

    def is_environ(n):
        return isinstance(n, ast.Attribute) and n.attr == "environ" and isinstance(n.value, ast.Name)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return (node.func.attr == "get" and is_environ(node.func.value)) or node.func.attr == "getenv"
    return isinstance(node, ast.Subscript) and is_environ(node.value) and isinstance(node.ctx, ast.Load)


def test_no_module_but_config_reads_the_environment():
    readers = []
    for folder in ("portalnews", "spiders", "pipelines", "dags"):
        for path in sorted((REPO / folder).rglob("*.py")):
            if path in (REPO / "portalnews" / "config.py", AIRFLOW_ENVIRONMENT):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            readers += [
                f"{path.relative_to(REPO)}:{n.lineno}" for n in ast.walk(tree) if reads_the_environment(n)
            ]
    assert not readers, "read the environment through portalnews.config: " + ", ".join(readers)


def test_every_variable_is_documented_in_the_deploying_guide_with_its_default():
    guide = (REPO / "docs" / "deploying.md").read_text(encoding="utf-8")
    for variable in config.ENVIRONMENT:
        assert f"| `{variable.name}` | {variable.default} | {variable.meaning} |" in guide, variable.name


def test_an_empty_variable_counts_as_unset(monkeypatch):
    monkeypatch.setenv("PORTALNEWS_DB_PORT", "")
    monkeypatch.setenv("DATABASE_URL", "")
    assert config.embedded_db_port() == config.EMBEDDED_DB_PORT and config.external_database_url() is None


def test_settings_are_read_when_asked_for(monkeypatch):
    monkeypatch.setenv("PORTALNEWS_CLEAN_TIMEOUT", "1.5")
    monkeypatch.setenv("PORTALNEWS_CLEAN_MAX_BYTES", "1000")
    monkeypatch.setenv("PORTALNEWS_CLEAN_WORKERS", "3")
    assert config.clean_limits() == (1000, 1.5) and config.clean_workers() == 3
    monkeypatch.delenv("PORTALNEWS_CLEAN_TIMEOUT")
    assert config.clean_limits() == (1000, config.CLEAN_TIMEOUT)


def test_an_undocumented_variable_is_not_read():
    with pytest.raises(AssertionError, match="document it"):
        config._read("PORTALNEWS_SOMETHING_NEW")
