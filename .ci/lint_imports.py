"""Check the import contracts of pyproject.toml ([tool.importlinter]) with import-linter, on the package
as it installs: spiders/ and pipelines/ inside portalnews/, as setuptools' package-dir maps them.

import-linter (through grimp) reads a package from its folder, and those two folders live beside
portalnews/, not in it; so the installed tree is laid out as symbolic links in a temporary folder,
which comes first on PYTHONPATH for the check. `make lint` and `make test` run this script."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
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


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="portalnews-lint-imports-") as tmp:
        installed_layout(Path(tmp))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [tmp, os.environ.get("PYTHONPATH")])))
        lint_imports = Path(sys.executable).parent / "lint-imports"
        return subprocess.run([str(lint_imports), "--no-cache", *argv, str(REPO / "pyproject.toml")],
                              cwd=tmp, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
