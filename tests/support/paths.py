"""Where things are in the repository, for every tier."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
SITES_DIR = FIXTURES / "sites"
SITE_NAMES = (
    sorted(p.name for p in SITES_DIR.iterdir() if (p / "portal.toml").exists()) if SITES_DIR.exists() else []
)
