"""The portalnews package laid out as it installs, for tools that read a package from its folder.

spiders/ and pipelines/ live beside portalnews/ and install inside it (setuptools' package-dir mapping
in pyproject.toml); import-linter and mypy do not run the editable install's import hook, so both
check a temporary folder of symbolic links to the repo's files, shaped like the wheel."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def installed_layout(into: Path) -> Path:
    """The portalnews package under `into` as the wheel has it, made of links to the repo's files."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    package_dirs = config["tool"]["setuptools"]["package-dir"]
    root = into / "portalnews"
    root.mkdir()
    for entry in (REPO / package_dirs["portalnews"]).iterdir():
        if entry.name != "__pycache__":
            (root / entry.name).symlink_to(entry)
    for package, folder in package_dirs.items():
        if package.startswith("portalnews."):
            (root / package.removeprefix("portalnews.")).symlink_to(REPO / folder)
    return root
