"""Check the import contracts of pyproject.toml ([tool.importlinter]) with import-linter, on the package
as it installs: spiders/ and pipelines/ inside portalnews/, as setuptools' package-dir maps them.

import-linter (through grimp) reads a package from its folder, and those two folders live beside
portalnews/, not in it; so the installed tree is laid out as symbolic links in a temporary folder
(.ci/installed_layout.py), which comes first on PYTHONPATH for the check. `make lint` and `make test`
run this script."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from installed_layout import REPO, installed_layout  # .ci/ is first on sys.path


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="portalnews-lint-imports-") as tmp:
        installed_layout(Path(tmp))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [tmp, os.environ.get("PYTHONPATH")])))
        lint_imports = Path(sys.executable).parent / "lint-imports"
        return subprocess.run([str(lint_imports), "--no-cache", *argv, str(REPO / "pyproject.toml")],
                              cwd=tmp, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
