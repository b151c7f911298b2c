"""The `portalnews` command line run as users run it: a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys


def portalnews(*args, db_url=None, check=True, **env) -> subprocess.CompletedProcess:
    environment = dict(os.environ, **env)
    if db_url:
        environment["DATABASE_URL"] = db_url
    result = subprocess.run([sys.executable, "-m", "portalnews.cli", *args], env=environment,
                            capture_output=True, text=True, timeout=600)
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result
