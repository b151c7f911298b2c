"""Where things live, read from the environment with documented defaults."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

# The Airflow Connection through which DAG tasks and the UI's Portal health page reach the database.
DB_CONNECTION_ID = "portalnews_db"

# A source checkout's dags/ folder (`make run`); servers set the DAG folder themselves (Compose).
CHECKOUT_DAGS_FOLDER = Path(__file__).resolve().parent.parent / "dags"


def home() -> Path:
    """Per-user state directory (embedded database, Airflow home, logs)."""
    configured = os.environ.get("PORTALNEWS_HOME")
    path = Path(configured) if configured else platformdirs.user_data_path("portalnews")
    path.mkdir(parents=True, exist_ok=True)
    return path


def registry_files() -> list[Path]:
    """Extra registry files named in PORTALNEWS_REGISTRY (os.pathsep-separated)."""
    raw = os.environ.get("PORTALNEWS_REGISTRY", "")
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def builtin_portals() -> bool:
    """Whether the built-in registry's portals are loaded: PORTALNEWS_BUILTIN_PORTALS=0 leaves them out
    (`make demo`: only the recorded portals it serves, not real portals it cannot reach offline)."""
    return os.environ.get("PORTALNEWS_BUILTIN_PORTALS", "1").strip().lower() not in ("0", "false", "no", "off")


def dags_folder() -> Path:
    """Airflow's DAG folder for `portalnews up`: PORTALNEWS_DAGS_FOLDER, else the checkout's dags/."""
    configured = os.environ.get("PORTALNEWS_DAGS_FOLDER")
    return Path(configured) if configured else CHECKOUT_DAGS_FOLDER
