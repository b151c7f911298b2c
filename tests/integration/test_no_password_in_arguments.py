"""No password in any process's arguments (issue 17, item 1): every local user reads /proc/*/cmdline.
`portalnews db psql` hands psql its password through psql's own environment, and `portalnews db env`
gives any client a PGPASSFILE; the real embedded server, real psql."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

from portalnews.store import embedded as embedded_db


def _all_command_lines() -> list[bytes]:
    lines = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):  # ended meanwhile
                lines.append((entry / "cmdline").read_bytes())
    return lines


def _cli_env(home: Path, server) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGPASSWORD", "PGPASSFILE")}
    env.update(PORTALNEWS_HOME=str(home), PORTALNEWS_DB_PORT=str(server.port))
    return env


def test_no_process_shows_a_password_while_db_psql_runs(home_with_a_running_server):
    home, server = home_with_a_running_server
    env = _cli_env(home, server)
    for extra in ([], ["--analyst"]):
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "portalnews.cli",
                "db",
                "psql",
                *extra,
                "-c",
                "SELECT current_user, pg_sleep(2)",
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        seen_psql = False
        try:
            deadline = time.monotonic() + 30
            while child.poll() is None and time.monotonic() < deadline:
                lines = _all_command_lines()
                seen_psql |= any(b"pg_sleep" in line and b"psql" in line for line in lines)
                # Read the passwords now: --analyst creates the analyst's on first use.
                passwords = [embedded_db.role_password(server.pgdata, role, create=False)
                             for role in (embedded_db.SUPERUSER, "analyst")]
                for password in filter(None, passwords):
                    assert not [line for line in lines if password.encode() in line]
                time.sleep(0.05)
        finally:
            out, _ = child.communicate(timeout=30)
        assert child.returncode == 0
        assert seen_psql  # the scan ran while psql was connected
        assert ("analyst" if extra else embedded_db.SUPERUSER) in out
    assert all(embedded_db.role_password(server.pgdata, role, create=False)
               for role in (embedded_db.SUPERUSER, "analyst"))


def test_db_env_analyst_connects_any_client_through_a_private_passfile(home_with_a_running_server):
    home, server = home_with_a_running_server
    env = _cli_env(home, server)
    printed = subprocess.run([sys.executable, "-m", "portalnews.cli", "db", "env", "--analyst"], env=env,
                             capture_output=True, text=True, check=True).stdout
    analyst_password = embedded_db.role_password(server.pgdata, "analyst", create=False)
    assert analyst_password and analyst_password not in printed
    # The README's recipe for any client: eval "$(portalnews db env --analyst)" && psql ...
    psql = embedded_db.server_placement.binaries() / "psql"
    shell = f'eval "$({sys.executable} -m portalnews.cli db env --analyst)" && {psql} -w -X -A -t ' \
            '-c "SELECT current_user" && stat -c %a "$PGPASSFILE"'
    result = subprocess.run(["sh", "-c", shell], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["analyst", "600"]
