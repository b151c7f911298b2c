"""Type-check portalnews/, spiders/, pipelines/ and dags/ with mypy ([tool.mypy] in pyproject.toml), on the
package as it installs: spiders/ and pipelines/ as portalnews.spiders and portalnews.pipelines.

mypy does not run the editable install's import hook, so it checks the installed layout made of links
(installed_layout of .ci/lint_imports.py); its report names the repo's files, not the links. `make lint`,
`make test` and `make test-fast` run this script; arguments are passed on to mypy."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from lint_imports import REPO, installed_layout  # .ci/ is first on sys.path (run as a script)


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="portalnews-typecheck-") as tmp:
        root = installed_layout(Path(tmp))
        # mypy names files by the path it was given, relative to the temporary folder
        links = {f"portalnews/{entry.name}/": f"{entry.resolve().relative_to(REPO)}/"
                 for entry in root.iterdir() if entry.is_dir()}
        env = dict(os.environ, MYPYPATH=tmp)
        dags = sorted(str(path) for path in (REPO / "dags").glob("*.py"))
        mypy = [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"),
                "--no-incremental", "--hide-error-context", *argv, "portalnews", *dags]
        done = subprocess.run(mypy, cwd=tmp, env=env, capture_output=True, text=True)
        for line in done.stdout.splitlines():
            for link, source in links.items():
                if line.startswith(link):
                    line = source + line.removeprefix(link)
                    break
            print(line.removeprefix(f"{REPO}/"))
        sys.stderr.write(done.stderr)
        return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
