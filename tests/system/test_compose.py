"""The server deployment (docker-compose.yml, Dockerfile, .env.example, .dockerignore), specified
and checked on this machine without Docker.

Statically: the compose file conforms to the Compose Specification; secrets come only from `.env`
and `.env.example` documents every variable; every `airflow ...` and `portalnews ...` command it
runs exists in the installed Airflow (with the `server` extra: Celery and FAB providers) and
portalnews; the names it shares with the code (pool, connection, DAGs folder, registry) agree.

Then what it starts works here: the services' commands run with the compose file's own
environment, interpolated from an operator's `.env`, where only the network addresses and the
container paths are mapped to this machine (PostgreSQL server of the test session instead of the
`postgres` service, the repo instead of /opt/portalnews, bind-mount sources instead of their
targets). airflow-init's script runs twice against a real PostgreSQL; the API server, scheduler,
DAG processor and triggerer start and pass their own healthchecks and serve the portal DAGs; the
Celery worker too when a `redis-server` binary is installed (skipped otherwise).
"""

from __future__ import annotations

import base64
import concurrent.futures
import itertools
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from portalnews.airflow_env import CONNECTION_ID, CRAWL_POOL, LEAN_SETTINGS
from portalnews.registry import load_registry
from portalnews.store.schema import MIGRATIONS_DIR

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
ENV_EXAMPLE = REPO / ".env.example"
DOCKERIGNORE = REPO / ".dockerignore"
BIN = Path(sys.executable).parent

AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                    "airflow-worker")
REQUIRED_SERVICES = {"postgres", "redis", "airflow-init", *AIRFLOW_SERVICES}
# Started here by the stack test; the worker needs a Redis broker (its own test).
STARTED_HERE = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")
SECRET_VARIABLES = {
    "POSTGRES_PASSWORD",
    "PORTALNEWS_DB_PASSWORD",
    "AIRFLOW_FERNET_KEY",
    "AIRFLOW_API_SECRET_KEY",
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_ADMIN_PASSWORD",
    "PORTALNEWS_ANALYST_PASSWORD",
}
# Environment of the base image (apache/airflow) that the Dockerfile builds on.
BASE_IMAGE_ENV = {"AIRFLOW_HOME": "/opt/airflow"}
SERVER_EXTRA_HINT = "install the server extra: pip install -e '.[test,server]'"


# ---- reading the deployment files ----------------------------------------------------------
def read_env_file(path: Path) -> tuple[dict[str, str], set[str]]:
    """Values of the active `NAME=value` lines, and every name documented (also `# NAME=value`)."""
    values: dict[str, str] = {}
    documented: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*(#\s*)?([A-Z_][A-Z0-9_]*)=(.*)$", line)
        if not match:
            continue
        documented.add(match[2])
        if not match[1]:
            value = match[3].strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            values[match[2]] = value
    return values, documented


class MissingVariable(LookupError):
    """A `${NAME:?message}` whose variable is unset or empty: Compose refuses the file."""


_VARIABLE = re.compile(
    r"\$(?:(?P<escape>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's interpolation: $$, $NAME, ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?err},
    ${NAME?err}."""

    def substitute(match: re.Match) -> str:
        if match["escape"]:
            return "$"
        name, op = match["braced"] or match["plain"], match["op"]
        value = env.get(name)
        missing = value is None or (op is not None and op.startswith(":") and value == "")
        if op and missing:
            if op.endswith("-"):
                return match["arg"]
            raise MissingVariable(f"{name}: {match['arg']}")
        return value or ""
    return _VARIABLE.sub(substitute, text)


def strings(node) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def transform(node, fn: Callable[[str], str]):
    if isinstance(node, str):
        return fn(node)
    if isinstance(node, dict):
        return {key: transform(value, fn) for key, value in node.items()}
    if isinstance(node, list):
        return [transform(value, fn) for value in node]
    return node


@cache
def raw_compose() -> dict:
    """docker-compose.yml as YAML (anchors and merge keys resolved), not yet interpolated."""
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def variables_used() -> dict[str, set[str | None]]:
    """Every variable the compose file interpolates, with the operators it is used with."""
    used: dict[str, set[str | None]] = {}
    for text in strings(raw_compose()):
        for match in _VARIABLE.finditer(text):
            if not match["escape"]:
                used.setdefault(match["braced"] or match["plain"], set()).add(match["op"])
    return used


@cache
def env_example() -> tuple[dict[str, str], set[str]]:
    return read_env_file(ENV_EXAMPLE)


def compose(env: Mapping[str, str] | None = None) -> dict:
    """The compose file as Compose runs it with this `.env` (default: .env.example's values)."""
    return transform(raw_compose(), lambda text: interpolate(text, env_example()[0] if env is None else env))


def argv_of(command) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def init_script(config: dict) -> str:
    argv = argv_of(config["services"]["airflow-init"]["command"])
    assert argv[:2] == ["bash", "-c"] and len(argv) == 3, (
        f"airflow-init's command is not `bash -c SCRIPT`: {argv}"
    )
    return argv[2]


def script_commands(script: str, program: str) -> list[list[str]]:
    return [
        shlex.split(line.strip()) for line in script.splitlines() if line.strip().startswith(program + " ")
    ]


def healthcheck_commands(service: dict) -> list[list[str]]:
    """The healthcheck as argv lists (a CMD-SHELL line split at `||` and `&&`)."""
    test = (service.get("healthcheck") or {}).get("test")
    if not test:
        return []
    test = argv_of(test)
    if test[0] == "CMD":
        return [test[1:]]
    assert test[0] == "CMD-SHELL", f"unexpected healthcheck form {test[0]}"
    return [shlex.split(part) for part in re.split(r"\|\||&&", " ".join(test[1:]))]


def commands_of(config: dict, program: str) -> list[tuple[str, list[str]]]:
    """(where, argv) of every `program ...` the compose file runs: commands, init script, healthchecks."""
    found = []
    for name, service in config["services"].items():
        if "command" in service:
            argv = argv_of(service["command"])
            if argv[0] == program:
                found.append((f"{name} command", argv))
            elif argv[:2] == ["bash", "-c"]:
                found += [(f"{name} script", cmd) for cmd in script_commands(argv[2], program)]
        found += [
            (f"{name} healthcheck", cmd) for cmd in healthcheck_commands(service) if cmd and cmd[0] == program
        ]
    return found


def expand(argv: list[str], env: Mapping[str, str]) -> list[str]:
    """Shell expansion of the variables the service's environment defines (others stay literal)."""
    def substitute(match: re.Match) -> str:
        name = match["braced"] or match["plain"]
        return env[name] if name and name in env else match[0]
    return [_VARIABLE.sub(substitute, arg) for arg in argv]


def mounts(service: dict) -> list[tuple[str, str, str]]:
    """(source, target, mode) of a service's short-syntax volumes."""
    out = []
    for volume in service.get("volumes", []):
        parts = volume.split(":")
        out.append((parts[0], parts[1], parts[2] if len(parts) > 2 else "rw"))
    return out


def is_bind(source: str) -> bool:
    return source.startswith((".", "/", "~"))


@dataclass
class Dockerfile:
    base_image: str
    env: dict[str, str] = field(default_factory=dict)
    copies: list[tuple[list[str], str]] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)


@cache
def dockerfile() -> Dockerfile:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    args: dict[str, str] = {}
    parsed: Dockerfile | None = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "ARG" and parsed is None:
            name, _, default = rest.strip().partition("=")
            args[name] = default
        elif instruction == "FROM":
            assert parsed is None, "one build stage expected"
            parsed = Dockerfile(base_image=interpolate(rest.split()[0], args))
        elif instruction == "ENV" and parsed:
            for item in shlex.split(rest):
                name, _, value = item.partition("=")
                parsed.env[name] = value
        elif instruction == "COPY" and parsed:
            paths = [part for part in shlex.split(rest) if not part.startswith("--")]
            parsed.copies.append((paths[:-1], paths[-1]))
        elif instruction == "RUN" and parsed:
            parsed.runs.append(rest)
    assert parsed, "Dockerfile has no FROM"
    return parsed


def _glob_regex(pattern: str) -> re.Pattern:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[" and "]" in pattern[i:]:
            end = pattern.index("]", i)
            out, i = out + "[" + pattern[i + 1:end].replace("!", "^", 1) + "]", end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def dockerignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` (relative to the repo) out of the build context: Docker's
    rules for the patterns used here (*, **, ?, [..], ! exceptions; a matched directory drops its
    contents; the last matching pattern wins)."""
    patterns = []
    for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            negate = line.startswith("!")
            patterns.append((negate, _glob_regex(line.lstrip("!").strip("/"))))
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[:k]) for k in range(1, len(parts) + 1)]
    ignored = False
    for negate, regex in patterns:
        if any(regex.match(prefix) for prefix in prefixes):
            ignored = not negate
    return ignored


def tool(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"`{name}` is not installed next to {sys.executable}; {SERVER_EXTRA_HINT}")
    return found


def output_of(result: subprocess.CompletedProcess) -> str:
    return (
        f"exit {result.returncode}\n--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-6000:]}"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- the compose file as a document ----------------------------------------------------------
def test_compose_file_conforms_to_the_compose_specification():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE_FILE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, (
        "check-jsonschema rejected docker-compose.yml. If it reports the builtin schema "
        "'vendor.compose-spec' as unknown or unloadable, this check-jsonschema has no vendored copy of "
        f"the Compose Specification schema (needed offline); upgrade check-jsonschema.\n{output_of(result)}")
    assert "version" not in raw_compose(), "the top-level `version:` is obsolete in the Compose Specification"


def test_compose_runs_airflow_with_the_celery_executor_on_postgresql_and_redis():
    config = compose()
    services = config["services"]
    assert services.keys() >= REQUIRED_SERVICES, f"missing services: {REQUIRED_SERVICES - services.keys()}"
    assert "x-airflow-common" in raw_compose()

    image = services["postgres"]["image"]
    match = re.fullmatch(r"postgres:(\d+)(?:[.-].*)?", image)
    assert match and int(match[1]) in (16, 17, 18), (
        f"postgres image {image}: PostgreSQL 16, 17 or 18 expected"
    )
    # PostgreSQL 18+ images keep PGDATA under /var/lib/postgresql/<major>/docker.
    data_dir = "/var/lib/postgresql" if int(match[1]) >= 18 else "/var/lib/postgresql/data"
    [(volume, _, _)] = [m for m in mounts(services["postgres"]) if m[1] == data_dir]
    assert volume in config["volumes"], "the PostgreSQL data lives in a named volume"
    assert services["postgres"]["environment"]["POSTGRES_DB"] == "airflow"
    assert services["redis"]["image"].startswith("redis:")
    assert "healthcheck" in services["postgres"] and "healthcheck" in services["redis"]

    image, build = services["airflow-init"]["image"], services["airflow-init"]["build"]
    assert build == "." and (REPO / build / "Dockerfile").is_file()
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        service = services[name]
        assert (service["image"], service["build"]) == (image, build), f"{name} runs another image"
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        broker, backend = (
            urlsplit(env["AIRFLOW__CELERY__BROKER_URL"]),
            urlsplit(env["AIRFLOW__CELERY__RESULT_BACKEND"]),
        )
        metadata = urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        assert (broker.scheme, broker.hostname) == ("redis", "redis")
        assert (backend.scheme, backend.hostname, backend.path) == ("db+postgresql", "postgres", "/airflow")
        assert (metadata.scheme, metadata.hostname, metadata.path) == (
            "postgresql+psycopg2",
            "postgres",
            "/airflow",
        )
        api = urlsplit(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
        assert (api.hostname, api.port, api.path) == ("airflow-apiserver", 8080, "/execution/")
        for key in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY"):
            assert env[key], f"{name}: {key} must be set (shared by every Airflow container)"
        depends = service["depends_on"]
        assert {dep: depends[dep]["condition"] for dep in ("postgres", "redis")} == {
            "postgres": "service_healthy", "redis": "service_healthy"}
        if name != "airflow-init":
            assert depends["airflow-init"]["condition"] == "service_completed_successfully"
            assert healthcheck_commands(service), f"{name} has no healthcheck"

    assert services["airflow-worker"]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"
    assert argv_of(services["airflow-apiserver"]["command"]) == ["airflow", "api-server"]
    assert any(str(port).endswith(":8080") for port in services["airflow-apiserver"]["ports"])
    assert argv_of(services["airflow-worker"]["command"]) == ["airflow", "celery", "worker"]
    for name in ("airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"):
        assert argv_of(services[name]["command"]) == ["airflow", name.removeprefix("airflow-")]
    assert config["services"]["airflow-init"].get("restart", "no") == "no"


def test_the_worker_scales_without_container_names_or_host_ports():
    services = compose()["services"]
    assert not [name for name, service in services.items() if "container_name" in service]
    worker = services["airflow-worker"]
    assert "ports" not in worker and "hostname" not in worker


def test_secrets_come_only_from_the_env_file_and_env_example_documents_every_variable():
    values, documented = env_example()
    used = variables_used()
    assert not used.keys() - documented, f"undocumented in .env.example: {sorted(used.keys() - documented)}"
    required = {name for name, ops in used.items() if ops & {":?", "?"}}
    assert required >= SECRET_VARIABLES, (
        f"secrets without ${{NAME:?...}}: {sorted(SECRET_VARIABLES - required)}"
    )
    assert not [name for name in required if not values.get(name)], "required variables need an example value"
    placeholders = {name: values[name] for name in SECRET_VARIABLES if "change-me" not in values[name]}
    assert not placeholders, (
        f".env.example must hold change-me placeholders, not usable secrets: {placeholders}"
    )
    with pytest.raises(MissingVariable):
        compose({})  # no .env: Compose refuses the file instead of starting with empty passwords

    raw_env = raw_compose()["x-airflow-common"]["environment"]
    for key in (
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__CELERY__RESULT_BACKEND",
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW__API_AUTH__JWT_SECRET",
        f"AIRFLOW_CONN_{CONNECTION_ID.upper()}",
        "DATABASE_URL",
    ):
        assert "${" in raw_env[key], f"{key} must come from .env, not be written in docker-compose.yml"
    assert ".env" in (REPO / ".gitignore").read_text(encoding="utf-8").split(), ".env must stay uncommitted"
    assert dockerignored(".env") and dockerignored(".env.local"), ".env must stay out of the image"


def test_the_dags_reach_the_portalnews_database_through_the_connection_named_in_airflow_env():
    services = compose()["services"]
    key = f"AIRFLOW_CONN_{CONNECTION_ID.upper()}"
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        env = services[name]["environment"]
        assert key in env, f"{name} lacks {key}"
        url = urlsplit(env[key])
        assert (url.scheme, url.hostname, url.port, url.path) == (
            "postgresql",
            "postgres",
            5432,
            "/portalnews",
        )
        assert env["DATABASE_URL"] == env[key], "`portalnews` commands and the DAGs use the same database"


def test_airflow_runs_with_the_lean_settings_of_portalnews_up():
    services = compose()["services"]
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        env = services[name]["environment"]
        assert {key: str(env.get(key)) for key in LEAN_SETTINGS} == LEAN_SETTINGS, (
            f"{name}: portalnews.airflow_env.LEAN_SETTINGS, as `portalnews up` runs Airflow"
        )


def test_the_database_server_gets_a_cache_sized_in_env_that_postgresql_accepts(pg_server):
    def settings(env: dict) -> dict[str, str]:
        command = compose(env)["services"]["postgres"]["command"]
        assert command[0] == "postgres"  # the image's own entrypoint still initialises the cluster
        return dict(pair.split("=", 1) for flag, pair in itertools.pairwise(command[1:]) if flag == "-c")

    assert settings(env_example()[0]) == {"shared_buffers": "1GB"}  # not PostgreSQL's own 128 MB
    assert settings({**env_example()[0], "POSTGRES_SHARED_BUFFERS": "3GB"}) == {"shared_buffers": "3GB"}
    conn = _admin_connect(pg_server)
    with conn.cursor() as cur:  # a setting of this server version, in a unit it understands
        cur.execute("SELECT unit, pg_size_bytes('1GB') FROM pg_settings WHERE name = 'shared_buffers'")
        assert cur.fetchone() == ("8kB", 2**30)
    conn.close()


def test_airflow_init_migrates_both_schemas_and_creates_the_crawl_pool_the_dags_use():
    script = init_script(compose())
    airflow = [argv[1:] for argv in script_commands(script, "airflow")]
    pools = [argv for argv in airflow if argv[:2] == ["pools", "set"]]
    assert len(pools) == 1, "airflow-init sets the crawl pool once"
    assert pools[0][2] == CRAWL_POOL, (
        f"pool {pools[0][2]!r} is not portalnews.airflow_env.CRAWL_POOL {CRAWL_POOL!r}"
    )
    assert int(pools[0][3]) >= 1
    assert ["db", "migrate"] in airflow
    assert ["portalnews", "db", "migrate"] in script_commands(script, "portalnews")
    assert script.lstrip().startswith("set -e"), (
        "a failing step must fail airflow-init (and block the services)"
    )


def test_every_airflow_command_in_the_compose_file_exists_in_the_installed_airflow(tmp_path):
    config = compose()
    env = {**os.environ, **{k: str(v) for k, v in config["services"]["airflow-init"]["environment"].items()},
           "AIRFLOW_HOME": str(tmp_path)}
    found = commands_of(config, "airflow")
    argvs = [expand(argv[1:], env) for _, argv in found]

    # Airflow's own parser, configured as in the containers (CeleryExecutor, FAB auth manager), parses
    # each full command line: subcommands, required options, choices.
    parse = r"""
import argparse, json, sys
from airflow.cli.cli_parser import get_parser
parser = get_parser()
def path_of(argv):
    out, p = [], parser
    for token in argv:
        sub = next((a for a in p._actions if isinstance(a, argparse._SubParsersAction)), None)
        if sub is None or token not in sub.choices:
            break
        out.append(token)
        p = sub.choices[token]
    return out
results = []
for argv in json.loads(sys.stdin.read()):
    try:
        parser.parse_args(argv)
        error = None
    except SystemExit as exc:
        error = "exit %s" % exc.code
    results.append({"argv": argv, "path": path_of(argv), "error": error})
print("RESULTS " + json.dumps(results))
"""
    result = subprocess.run(
        [sys.executable, "-c", parse],
        input=json.dumps(argvs),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, output_of(result)
    results = json.loads(result.stdout.split("RESULTS ", 1)[1])
    errors = [
        (where, r["argv"], r["error"]) for (where, _), r in zip(found, results, strict=True) if r["error"]
    ]
    assert not errors, f"commands Airflow's parser rejects ({SERVER_EXTRA_HINT} for `celery`/`users`): " \
                       f"{errors}\n{result.stderr[-3000:]}"

    # ... and each distinct subcommand answers `--help` from the installed CLI.
    paths = sorted({tuple(r["path"]) for r in results})
    assert {("api-server",), ("scheduler",), ("dag-processor",), ("triggerer",), ("celery", "worker"),
            ("db", "migrate"), ("pools", "set"), ("users", "create")} <= set(paths)
    airflow = tool("airflow")
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        helps = dict(
            zip(
                paths,
                pool.map(
                    lambda path: subprocess.run(
                        [airflow, *path, "--help"], env=env, capture_output=True, text=True, timeout=300
                    ),
                    paths,
                ),
                strict=True,
            )
        )
    for path, help_result in helps.items():
        assert help_result.returncode == 0, f"airflow {' '.join(path)} --help: {output_of(help_result)}"
        assert f"Usage: airflow {' '.join(path)}" in help_result.stdout


def test_every_portalnews_command_in_the_compose_file_exists():
    found = commands_of(compose(), "portalnews")
    assert found, "airflow-init runs `portalnews db migrate`"
    portalnews = tool("portalnews")
    for where, argv in found:
        result = subprocess.run([portalnews, argv[1], "--help"], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{where}: portalnews {argv[1]} --help: {output_of(result)}"
        for word in (arg for arg in argv[2:] if not arg.startswith("-")):
            assert re.search(rf"\b{re.escape(word)}\b", result.stdout), (
                f"{where}: `{word}` unknown to portalnews {argv[1]}"
            )


def test_the_worker_healthcheck_pings_the_celery_app_of_the_installed_provider(tmp_path):
    config = compose()
    worker = config["services"]["airflow-worker"]
    [check] = healthcheck_commands(worker)
    assert check[:2] == ["celery", "--app"] and "ping" in check
    module, _, attribute = check[2].rpartition(".")
    tool("celery")
    env = {
        **os.environ,
        **{k: str(v) for k, v in worker["environment"].items()},
        "AIRFLOW_HOME": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import {module} as m; print(type(m.{attribute}).__mro__)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0 and "celery.app.base.Celery" in result.stdout, \
        f"{check[2]} is not a Celery app ({SERVER_EXTRA_HINT}): {output_of(result)}"


def test_dags_are_mounted_read_only_from_the_repo_and_the_registry_from_an_operator_file(
    tmp_path, monkeypatch
):
    from portalnews.config import registry_files

    dags_folder = dockerfile().env["AIRFLOW__CORE__DAGS_FOLDER"]
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        service = compose()["services"][name]
        [(source, _, mode)] = [m for m in mounts(service) if m[1] == dags_folder]
        assert is_bind(source) and mode == "ro", f"{name}: dags/ must be a read-only bind mount"
        assert (REPO / source / "portal_dags.py").is_file(), (
            f"{name}: mount source {source} is not the repo's dags/"
        )
        registry_target = service["environment"]["PORTALNEWS_REGISTRY"]
        [(source, _, mode)] = [m for m in mounts(service) if m[1] == registry_target]
        assert mode == "ro"
        # Default (no PORTALNEWS_REGISTRY_FILE): an empty file, which adds no portal.
        monkeypatch.setenv("PORTALNEWS_REGISTRY", str(REPO / source))
        assert load_registry(registry_files()) == load_registry()

    # An operator's file corrects a portal by reusing its id: mounted where PORTALNEWS_REGISTRY points.
    portal = next(iter(load_registry().values()))
    own = tmp_path / "my-portals.toml"
    own.write_text(
        f'[[portal]]\nid = "{portal.id}"\nname = "Corrected"\nbase_url = "{portal.base_url}"\n'
        f"start_urls = [\"{portal.base_url}\"]\narticle_url_pattern = '/a/\\d+$'\n",
        encoding="utf-8",
    )
    worker = compose({**env_example()[0], "PORTALNEWS_REGISTRY_FILE": str(own)})["services"]["airflow-worker"]
    [(source, _, _)] = [m for m in mounts(worker) if m[1] == worker["environment"]["PORTALNEWS_REGISTRY"]]
    assert Path(source) == own
    monkeypatch.setenv("PORTALNEWS_REGISTRY", source)
    assert load_registry(registry_files())[portal.id].name == "Corrected"


def test_the_image_is_the_airflow_image_with_this_repo_installed():
    image = dockerfile()
    match = re.fullmatch(
        r"apache/airflow:(?P<airflow>\d+\.\d+\.\d+)-python(?P<python>3\.\d+)", image.base_image
    )
    assert match, f"base image {image.base_image}: apache/airflow:<version>-python3.x expected"
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    airflow_requirement = next(Requirement(dep) for dep in pyproject["project"]["dependencies"]
                               if Requirement(dep).name == "apache-airflow")
    assert Version(match["airflow"]) in airflow_requirement.specifier, \
        f"image Airflow {match['airflow']} outside pyproject's {airflow_requirement}"
    assert Version(match["python"] + ".0") in SpecifierSet(pyproject["project"]["requires-python"])
    assert "server" in pyproject["project"]["optional-dependencies"]

    [(sources, source_dir)] = [copy for copy in image.copies if copy[0] == ["."]]
    assert "PYTHONPATH" not in image.env, "the repo copy must not shadow the installed `portalnews` namespace"
    assert image.env["AIRFLOW__CORE__DAGS_FOLDER"] == f"{source_dir}/dags"
    installs = [run for run in image.runs if "pip install" in run]
    assert any(
        f"{source_dir}[server]" in run and "apache-airflow==${AIRFLOW_VERSION}" in run for run in installs
    ), "the image installs the repo with the server extra, keeping the base image's Airflow version"

    # The build context holds what `pip install` and the runtime need, and none of the local state.
    package_dirs = pyproject["tool"]["setuptools"]["package-dir"]

    def folder(package: str) -> str:
        """Where a package's files are in the repo (package-dir maps portalnews.spiders to spiders/)."""
        parent = max((p for p in package_dirs if package == p or package.startswith(p + ".")), key=len)
        return package_dirs[parent] + package[len(parent):].replace(".", "/")

    needed = [
        "pyproject.toml",
        pyproject["project"]["readme"],
        "scrapy.cfg",
        "dags/portal_dags.py",
        # a code package by its __init__.py, a data directory listed as a package (migrations/) by itself
        *(
            folder(p) + "/__init__.py" if list((REPO / folder(p)).glob("*.py")) else folder(p)
            for p in pyproject["tool"]["setuptools"]["packages"]
        ),
        *(str(p.relative_to(REPO)) for p in MIGRATIONS_DIR.glob("*.sql")),
    ]
    for package, patterns in pyproject["tool"]["setuptools"]["package-data"].items():
        for pattern in patterns:
            files = list((REPO / folder(package)).glob(pattern))
            assert files, f"package data {package}/{pattern} matches nothing"
            needed += [str(p.relative_to(REPO)) for p in files]
    assert not [path for path in needed if not (REPO / path).exists()]
    assert not [path for path in needed if dockerignored(path)], "needed files excluded by .dockerignore"
    for path in (
        ".env",
        ".venv/bin/python",
        ".git/HEAD",
        "portalnews/__pycache__/cli.cpython-311.pyc",
        "tests/conftest.py",
    ):
        assert dockerignored(path), f"{path} must stay out of the build context"


def test_airflow_init_refuses_the_placeholder_secrets_of_env_example():
    config = compose()  # .env.example copied unchanged
    env = {**os.environ, **{k: str(v) for k, v in config["services"]["airflow-init"]["environment"].items()}}
    env["PATH"] = "/usr/bin:/bin"  # nothing to run beyond the check
    result = subprocess.run(
        ["bash", "-c", init_script(config)], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1 and "change-me" in result.stderr, output_of(result)


# ---- what it starts, run here ------------------------------------------------------------------
@dataclass
class LocalDeployment:
    """The compose file's services as processes on this machine."""

    operator_env: dict[str, str]
    config: dict
    server_url: str  # superuser URL of the PostgreSQL server standing in for the `postgres` service
    airflow_db: str
    portalnews_db: str
    root: Path
    ports: dict[str, int]
    init_runs: list[subprocess.CompletedProcess] = field(default_factory=list)
    admin_password: str = ""

    def replacements(self, service: dict) -> list[tuple[str, str]]:
        server = urlsplit(self.server_url)
        host = f"{server.hostname}:{server.port or 5432}"
        network = [
            ("@postgres:5432/airflow", f"@{host}/{self.airflow_db}"),
            ("@postgres:5432/portalnews", f"@{host}/{self.portalnews_db}"),
            ("redis://redis:6379", f"redis://127.0.0.1:{self.ports['redis']}"),
            ("http://airflow-apiserver:8080", f"http://127.0.0.1:{self.ports['api']}"),
            ("http://localhost:8080", f"http://127.0.0.1:{self.ports['api']}"),
            ("http://localhost:8974", f"http://127.0.0.1:{self.ports['scheduler_health']}"),
        ]
        paths = {}
        for source, target, _ in mounts(service):
            local = (REPO / source).resolve() if is_bind(source) else self.root / "volumes" / source
            if not is_bind(source):
                local.mkdir(parents=True, exist_ok=True)
            paths[target] = str(local)
        [(_, source_dir)] = [copy for copy in dockerfile().copies if copy[0] == ["."]]
        paths.setdefault(source_dir, str(REPO))
        paths.setdefault(BASE_IMAGE_ENV["AIRFLOW_HOME"], str(self.root / "airflow"))
        return network + sorted(paths.items(), key=lambda item: -len(item[0]))

    def rewrite(self, text: str, service: dict) -> str:
        for old, new in self.replacements(service):
            text = text.replace(old, new)
        return text

    def env_for(self, name: str) -> dict[str, str]:
        service = self.config["services"][name]
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AIRFLOW", "_AIRFLOW", "PORTALNEWS_", "DATABASE_URL"))}
        container = {
            **BASE_IMAGE_ENV,
            **dockerfile().env,
            **{k: str(v) for k, v in service["environment"].items()},
        }
        env.update({k: self.rewrite(v, service) for k, v in container.items()})
        (self.root / "airflow").mkdir(exist_ok=True)
        env.update({
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            # One network namespace here: the ports each container has to itself are made distinct.
            "AIRFLOW__API__PORT": str(self.ports["api"]),
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(self.ports["scheduler_health"]),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.ports["worker_logs"]),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self.ports["trigger_logs"]),
        })
        return env

    def command(self, name: str) -> list[str]:
        service = self.config["services"][name]
        return [self.rewrite(arg, service) for arg in argv_of(service["command"])]

    def healthcheck_passes(self, name: str) -> bool:
        """The service's own healthcheck, run here (a CMD-SHELL line with bash)."""
        service = self.config["services"][name]
        test = argv_of(service["healthcheck"]["test"])
        if test[:2] == ["CMD", "curl"]:  # curl --fail URL
            try:
                with urllib.request.urlopen(self.rewrite(test[-1], service), timeout=10) as response:
                    return response.status < 400
            except (urllib.error.URLError, OSError):
                return False
        argv = [self.rewrite(arg, service) for arg in test[1:]]
        if test[0] == "CMD-SHELL":
            argv = ["bash", "-c", " ".join(argv)]
        # Docker sets HOSTNAME to the container's host name, which Airflow records for its jobs and
        # Celery names its node after.
        env = {**self.env_for(name), "HOSTNAME": socket.gethostname()}
        return subprocess.run(argv, env=env, capture_output=True, timeout=120).returncode == 0

    def run_init(self, **env_changes: str) -> subprocess.CompletedProcess:
        env = {**self.env_for("airflow-init"), **env_changes}
        cwd = self.root / "airflow"
        # The image's entrypoint waits for the metadata database before running the command.
        check = subprocess.run(
            [tool("airflow"), "db", "check"], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
        )
        if check.returncode != 0:
            return check
        return subprocess.run(self.command("airflow-init"), env=env, cwd=cwd, capture_output=True, text=True,
                              timeout=900)


def _admin_connect(server_url: str, database: str = "postgres"):
    conn = psycopg2.connect(f"{server_url}/{database}")
    conn.autocommit = True
    return conn


@pytest.fixture(scope="module")
def deployment(pg_server, tmp_path_factory) -> Iterator[LocalDeployment]:
    """An operator's .env (from .env.example, placeholders replaced by generated secrets), the
    PostgreSQL server initialised as the postgres image does it, and airflow-init run twice: first
    start, then a restart after the operator changed the admin password in .env."""
    suffix = uuid.uuid4().hex[:8]
    operator_env = dict(env_example()[0])
    for name, value in operator_env.items():
        if "change-me" in value:
            operator_env[name] = secrets.token_urlsafe(32)
    operator_env["AIRFLOW_FERNET_KEY"] = base64.urlsafe_b64encode(os.urandom(32)).decode()
    # token_urlsafe may start with '-'
    operator_env["AIRFLOW_ADMIN_PASSWORD"] = "-" + secrets.token_urlsafe(16)
    # Unique names: the test PostgreSQL server is shared with the rest of the session.
    operator_env["POSTGRES_USER"] = f"airflow_{suffix}"
    operator_env["PORTALNEWS_DB_USER"] = f"portalnews_{suffix}"
    config = compose(operator_env)
    dep = LocalDeployment(operator_env=operator_env, config=config, server_url=pg_server,
                          airflow_db=f"airflow_meta_{suffix}", portalnews_db=f"portalnews_data_{suffix}",
                          root=tmp_path_factory.mktemp("compose"),
                          ports={name: free_port() for name in ("api", "scheduler_health", "worker_logs",
                                                                "trigger_logs", "redis")})
    postgres_env = config["services"]["postgres"]["environment"]
    conn = _admin_connect(pg_server)
    with conn.cursor() as cur:
        cur.execute(f'CREATE ROLE "{postgres_env["POSTGRES_USER"]}" SUPERUSER LOGIN PASSWORD %s',
                    (postgres_env["POSTGRES_PASSWORD"],))
        cur.execute(f'CREATE DATABASE "{dep.airflow_db}" OWNER "{postgres_env["POSTGRES_USER"]}"')
    conn.close()
    try:
        dep.init_runs.append(dep.run_init())
        dep.admin_password = "rotated-" + secrets.token_urlsafe(12)
        dep.init_runs.append(dep.run_init(_AIRFLOW_ADMIN_PASSWORD=dep.admin_password))
        yield dep
    finally:
        conn = _admin_connect(pg_server)
        with conn.cursor() as cur:
            for database in (dep.airflow_db, dep.portalnews_db):
                cur.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            for role in (operator_env["PORTALNEWS_DB_USER"], operator_env["POSTGRES_USER"]):
                cur.execute(f'DROP ROLE IF EXISTS "{role}"')
        conn.close()


def test_airflow_init_runs_here_against_a_real_postgresql_and_again_on_restart(deployment):
    first, second = deployment.init_runs
    assert first.returncode == 0, f"airflow-init failed on a fresh server:\n{output_of(first)}"
    assert second.returncode == 0, f"airflow-init failed when run again:\n{output_of(second)}"

    # The DAGs' way to the data: Connection `portalnews_db` from AIRFLOW_CONN_PORTALNEWS_DB, as the role
    # airflow-init created, into the database it created and `portalnews db migrate` filled.
    probe = ("import json, psycopg2\n"
             "from airflow.sdk import Connection\n"
             "from portalnews.airflow_env import CONNECTION_ID\n"
             "conn = psycopg2.connect(Connection.get(CONNECTION_ID).get_uri())\n"
             "cur = conn.cursor()\n"
             "cur.execute('SELECT current_user, current_database(), (SELECT array_agg(name ORDER BY name)"
             " FROM schema_migrations)')\n"
             "print('PROBE ' + json.dumps(cur.fetchone()))\n")
    result = subprocess.run([sys.executable, "-c", probe], env=deployment.env_for("airflow-worker"),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, output_of(result)
    user, database, migrations = json.loads(result.stdout.split("PROBE ", 1)[1])
    assert (user, database) == (deployment.operator_env["PORTALNEWS_DB_USER"], deployment.portalnews_db)
    assert migrations == sorted(p.name for p in MIGRATIONS_DIR.glob("*.sql"))

    conn = _admin_connect(deployment.server_url, deployment.airflow_db)
    with conn.cursor() as cur:
        cur.execute("SELECT slots FROM slot_pool WHERE pool = %s", (CRAWL_POOL,))
        assert cur.fetchone() == (int(deployment.operator_env["PORTALNEWS_CRAWL_SLOTS"]),)
        cur.execute("SELECT r.name FROM ab_user u JOIN ab_user_role ur ON ur.user_id = u.id"
                    " JOIN ab_role r ON r.id = ur.role_id WHERE u.username = %s",
                    (deployment.operator_env["AIRFLOW_ADMIN_USERNAME"],))
        assert cur.fetchall() == [("Admin",)]
        cur.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (deployment.portalnews_db,)
        )
        assert cur.fetchone() == (deployment.operator_env["PORTALNEWS_DB_USER"],)
    conn.close()


def test_airflow_init_connects_the_pipeline_as_its_databases_owner_not_a_superuser(deployment):
    conn = _admin_connect(deployment.server_url, deployment.airflow_db)
    with conn.cursor() as cur:
        cur.execute("SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = %s",
                    (deployment.operator_env["PORTALNEWS_DB_USER"],))
        assert cur.fetchone() == (False, False, False)
        cur.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'portalnews_pipeline'")
        assert cur.fetchone() == (False,)  # the row-only group role of 0004_least_privilege.sql
    conn.close()


def test_airflow_init_gives_analysts_a_read_only_role_with_the_password_from_env(deployment):
    conn = _admin_connect(deployment.server_url, deployment.portalnews_db)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT rolpassword IS NOT NULL, (SELECT setconfig FROM pg_db_role_setting s"
            " WHERE s.setrole = a.oid AND s.setdatabase = 0) FROM pg_authid a WHERE rolname = 'analyst'"
        )
        has_password, config = cur.fetchone()
        assert has_password and "default_transaction_read_only=on" in config
        # The grants of migration 0002, made by the data role that ran `portalnews db migrate`.
        cur.execute("SELECT has_table_privilege('analyst', 'articles', 'SELECT'),"
                    " has_table_privilege('analyst', 'articles', 'INSERT'),"
                    " has_table_privilege('analyst', 'article_corrections', 'SELECT')")
        assert cur.fetchone() == (True, False, True)
        # Analysts cannot hold the pipeline's locks (0010, run by airflow-init as the superuser).
        cur.execute("SELECT has_function_privilege('analyst', 'pg_advisory_lock(bigint)', 'EXECUTE'),"
                    " has_function_privilege(%s, 'pg_advisory_lock(bigint)', 'EXECUTE')",
                    (deployment.operator_env["PORTALNEWS_DB_USER"],))
        assert cur.fetchone() == (False, True)
    conn.close()


@dataclass
class Started:
    name: str
    process: subprocess.Popen
    log: Path


def _start(deployment: LocalDeployment, name: str) -> Started:
    log = deployment.root / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(deployment.command(name), env=deployment.env_for(name),
                                   cwd=deployment.root / "airflow", stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return Started(name, process, log)


def _stop(started: list[Started]) -> None:
    for item in started:
        if item.process.poll() is None:
            os.killpg(item.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    for item in started:
        try:
            item.process.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(item.process.pid, signal.SIGKILL)
            item.process.wait()


def _wait_healthy(deployment: LocalDeployment, started: list[Started], timeout: float = 240) -> None:
    pending = {item.name for item in started}
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for item in started:
            if item.process.poll() is not None:
                pytest.fail(f"{item.name} exited with {item.process.returncode}:\n"
                            f"{item.log.read_text(errors='replace')[-5000:]}")
        pending = {name for name in pending if not deployment.healthcheck_passes(name)}
        if pending:
            time.sleep(2)
    assert not pending, "healthchecks still failing: " + "; ".join(
        f"{item.name}:\n{item.log.read_text(errors='replace')[-3000:]}"
        for item in started
        if item.name in pending
    )


def _api(deployment: LocalDeployment, path: str, token: str | None = None, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{deployment.ports['api']}{path}",
        data=json.dumps(body).encode() if body else None,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_the_airflow_services_start_here_pass_their_healthchecks_and_serve_the_portal_dags(deployment):
    assert all(run.returncode == 0 for run in deployment.init_runs), (
        "airflow-init failed (see the test above)"
    )
    started: list[Started] = []
    try:
        for name in STARTED_HERE:
            started.append(_start(deployment, name))
        _wait_healthy(deployment, started)

        # The admin password airflow-init last set from .env logs in (FAB auth manager, JWT secret).
        token = _api(
            deployment,
            "/auth/token",
            body={
                "username": deployment.operator_env["AIRFLOW_ADMIN_USERNAME"],
                "password": deployment.admin_password,
            },
        )["access_token"]
        worker_env = deployment.env_for("airflow-worker")
        registry_file = worker_env["PORTALNEWS_REGISTRY"]
        expected = {f"portalnews_{portal_id}" for portal_id in load_registry([Path(registry_file)])}
        expected |= {"portalnews_health", "portalnews_backfill"}
        dag_ids: set[str] = set()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            dags = _api(deployment, "/api/v2/dags?limit=1000", token)["dags"]
            dag_ids = {dag["dag_id"] for dag in dags}
            if expected <= dag_ids:
                break
            time.sleep(3)
        assert dag_ids == expected, (
            "the DAG processor (dags/ from the mount, registry from PORTALNEWS_REGISTRY) "
            f"serves other DAGs: missing {expected - dag_ids}, extra {dag_ids - expected}"
        )
        # Portal DAGs start paused (AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION); the operators' tools run when
        # triggered (is_paused_upon_creation=False in their files).
        operator_tools = {"portalnews_health", "portalnews_backfill"}
        assert all(dag["is_paused"] == (dag["dag_id"] not in operator_tools) for dag in dags), \
            {dag["dag_id"]: dag["is_paused"] for dag in dags}
        pool = _api(deployment, f"/api/v2/pools/{CRAWL_POOL}", token)
        assert pool["slots"] == int(deployment.operator_env["PORTALNEWS_CRAWL_SLOTS"])
    finally:
        _stop(started)


def test_the_celery_worker_starts_here_and_answers_its_healthcheck_when_redis_server_is_installed(deployment):
    redis_server = shutil.which("redis-server")
    if not redis_server:
        pytest.skip(
            "redis-server is not installed (Debian: apt-get install redis-server); the worker needs a broker"
        )
    assert all(run.returncode == 0 for run in deployment.init_runs), (
        "airflow-init failed (see the test above)"
    )
    redis = subprocess.Popen([redis_server, "--port", str(deployment.ports["redis"]), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    started: list[Started] = []
    try:
        started.append(_start(deployment, "airflow-apiserver"))  # the worker depends on it being healthy
        _wait_healthy(deployment, started)
        started.append(_start(deployment, "airflow-worker"))
        _wait_healthy(deployment, started)
    finally:
        _stop(started)
        os.killpg(redis.pid, signal.SIGTERM)
        redis.wait(timeout=30)


# ---- alerts --------------------------------------------------------------------------------------
ALERTS_KEY = "AIRFLOW_CONN_PORTALNEWS_ALERTS"


def _send_alert_probe(env: dict[str, str]) -> subprocess.CompletedProcess:
    """What a failing task's notifier does: send one message through Connection portalnews_alerts."""
    probe = ("import logging; logging.basicConfig(level=logging.INFO)\n"
             "from portalnews.monitoring.notifications import ALERTS_CONNECTION_ID, send\n"
             "assert ALERTS_CONNECTION_ID == 'portalnews_alerts'\n"
             "print('SENT', send('portalnews: compose alert probe', 'hcm: zero yield'))\n")
    return subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=300)


def test_the_alerts_connection_comes_from_env_and_is_empty_by_default():
    assert env_example()[0][ALERTS_KEY] == "", (
        ".env.example sends no alerts until the operator names a receiver"
    )
    assert raw_compose()["x-airflow-common"]["environment"][ALERTS_KEY] == "${" + ALERTS_KEY + ":-}"
    chosen = '{"conn_type": "apprise", "extra": {"config": {"path": "tgram://BOT_TOKEN/CHAT_ID"}}}'
    services = compose({**env_example()[0], ALERTS_KEY: chosen})["services"]
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        assert services[name]["environment"][ALERTS_KEY] == chosen, f"{name} lacks the alerts Connection"
    assert not any(compose({k: v for k, v in env_example()[0].items() if k != ALERTS_KEY})["services"][name]
                   ["environment"][ALERTS_KEY] for name in AIRFLOW_SERVICES), "unset in .env: no Connection"


def test_the_alerts_connection_set_in_env_delivers_a_message_from_the_worker_and_empty_sends_none(deployment):
    from dataclasses import replace

    from tests.support.webhook import WebhookReceiver

    receiver = WebhookReceiver()
    try:
        operator_env = {**deployment.operator_env, ALERTS_KEY: receiver.apprise_connection}
        alerting = replace(deployment, operator_env=operator_env, config=compose(operator_env))
        sent = _send_alert_probe(alerting.env_for("airflow-worker"))
        assert "SENT True" in sent.stdout, output_of(sent)
        assert [(m["title"], m["message"]) for m in receiver.messages] == [
            ("portalnews: compose alert probe", "hcm: zero yield")]

        silent = _send_alert_probe(deployment.env_for("airflow-worker"))  # .env.example's empty value
        assert "SENT False" in silent.stdout, output_of(silent)
        assert "no Airflow Connection 'portalnews_alerts'" in silent.stdout + silent.stderr
        assert len(receiver.messages) == 1
    finally:
        receiver.stop()
