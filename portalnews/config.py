"""Every setting portalnews reads from the environment, in one place, with its default and meaning.

`ENVIRONMENT` documents them (docs/deploying.md's table is checked against it); the functions below read
them when called, so a changed environment (a test, an Airflow task's env) takes effect at once. An empty
variable counts as unset. Airflow's own variables (AIRFLOW__...) are Airflow's settings: `portalnews up`
sets its defaults for them in portalnews/airflow_env.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

# The Airflow Connection through which DAG tasks and the UI's Portal health page reach the database.
DB_CONNECTION_ID = "portalnews_db"

# A source checkout's dags/ folder (`make run`); servers set the DAG folder themselves (Compose).
CHECKOUT_DAGS_FOLDER = Path(__file__).resolve().parent.parent / "dags"

EMBEDDED_DB_PORT = 54329  # the embedded server's port when free (else any free one)
CLEAN_MAX_BYTES = 3 * 1024 * 1024  # article pages are far smaller; Scrapy's DOWNLOAD_WARNSIZE is 2 MB
CLEAN_TIMEOUT = 30.0  # seconds; a news page cleans in well under one


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    meaning: str


ENVIRONMENT = (
    Variable(
        "PORTALNEWS_HOME",
        "the per-user data directory (`~/.local/share/portalnews`)",
        "state: embedded database, secrets, Airflow home, spool, scratch directories",
    ),
    Variable(
        "PORTALNEWS_REGISTRY", "none", "extra registry files, separated by `:` (`--registry FILE` adds more)"
    ),
    Variable(
        "PORTALNEWS_BUILTIN_PORTALS",
        "1",
        "`0` leaves the built-in registry's portals out (`make demo`: only the recorded portals it serves)",
    ),
    Variable("PORTALNEWS_DAGS_FOLDER", "the checkout's `dags/`", "Airflow's DAG folder for `portalnews up`"),
    Variable(
        "DATABASE_URL", "the embedded server", "a libpq URL of another PostgreSQL server for everything"
    ),
    Variable(
        "PORTALNEWS_DB_PORT", str(EMBEDDED_DB_PORT), "the embedded server's port (any free one if taken)"
    ),
    Variable(
        "PORTALNEWS_ANALYST_PASSWORD",
        "the generated one in `secrets/`",
        "the analyst's password, for `portalnews db url --analyst` against DATABASE_URL",
    ),
    Variable(
        "AIRFLOW_DATABASE_URL",
        "the embedded server's `airflow` database",
        "Airflow's metadata database for `portalnews up`",
    ),
    Variable("PORTALNEWS_CLEAN_WORKERS", "one per usable core", "cleaning processes of the clean stage"),
    Variable(
        "PORTALNEWS_CLEAN_MAX_BYTES", str(CLEAN_MAX_BYTES), "a larger page is a cleaning error, not cleaned"
    ),
    Variable(
        "PORTALNEWS_CLEAN_TIMEOUT",
        f"{CLEAN_TIMEOUT:g}",
        "seconds a page may take to clean before it is stopped",
    ),
)
_DOCUMENTED = {variable.name for variable in ENVIRONMENT}


def _read(name: str) -> str | None:
    """The variable's value, None when unset or empty; only documented variables are read."""
    assert name in _DOCUMENTED, f"{name}: document it in ENVIRONMENT first"
    return os.environ.get(name) or None


def home() -> Path:
    """Per-user state directory (embedded database, Airflow home, logs)."""
    configured = _read("PORTALNEWS_HOME")
    path = Path(configured) if configured else platformdirs.user_data_path("portalnews")
    path.mkdir(parents=True, exist_ok=True)
    return path


def registry_files() -> list[Path]:
    """Extra registry files named in PORTALNEWS_REGISTRY (os.pathsep-separated)."""
    raw = _read("PORTALNEWS_REGISTRY") or ""
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def builtin_portals() -> bool:
    """Whether the built-in registry's portals are loaded: PORTALNEWS_BUILTIN_PORTALS=0 leaves them out
    (`make demo`: only the recorded portals it serves, not real portals it cannot reach offline)."""
    return (_read("PORTALNEWS_BUILTIN_PORTALS") or "1").strip().lower() not in ("0", "false", "no", "off")


def dags_folder() -> Path:
    """Airflow's DAG folder for `portalnews up`: PORTALNEWS_DAGS_FOLDER, else the checkout's dags/."""
    configured = _read("PORTALNEWS_DAGS_FOLDER")
    return Path(configured) if configured else CHECKOUT_DAGS_FOLDER


def external_database_url() -> str | None:
    """DATABASE_URL: another server for the pipeline, migrations, search and export; None for the embedded
    one."""
    return _read("DATABASE_URL")


def embedded_db_port() -> int:
    return int(_read("PORTALNEWS_DB_PORT") or EMBEDDED_DB_PORT)


def analyst_password() -> str | None:
    return _read("PORTALNEWS_ANALYST_PASSWORD")


def airflow_database_url() -> str | None:
    return _read("AIRFLOW_DATABASE_URL")


def clean_workers() -> int:
    """How many pages are cleaned at once: PORTALNEWS_CLEAN_WORKERS, else one per usable core."""
    configured = int(_read("PORTALNEWS_CLEAN_WORKERS") or 0)
    if configured > 0:
        return configured
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def clean_limits() -> tuple[int, float]:
    """(largest page in bytes, seconds) a page may take to clean."""
    return (int(_read("PORTALNEWS_CLEAN_MAX_BYTES") or CLEAN_MAX_BYTES),
            float(_read("PORTALNEWS_CLEAN_TIMEOUT") or CLEAN_TIMEOUT))
