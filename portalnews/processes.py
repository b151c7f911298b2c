"""Scrapy child processes that never outlive the run that started them, and scratch directories that never
outlive a killed run.

`kill -9` of `portalnews run` (or of an Airflow task) must not leave a Scrapy crawl running on its
own: the child asks Linux to send it SIGTERM when its parent dies (PR_SET_PDEATHSIG), which Scrapy
treats as a graceful stop. Scratch directories carry the host and pid of their owner, so the next
run removes those whose owner is gone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True) if sys.platform == "linux" else None


def die_with_parent() -> None:
    """preexec_fn: SIGTERM this child when the parent dies. Loaded before fork; only a C call after."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@contextmanager
def scratch_directory(parent: Path, prefix: str) -> Iterator[Path]:
    """A temporary directory under `parent`, removed on exit; leftovers of dead owners are removed first."""
    parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    host = socket.gethostname()
    for old in parent.glob(f"{prefix}{host}-*"):
        try:
            pid = int(old.name.removeprefix(f"{prefix}{host}-").split("-", 1)[0])
        except ValueError:
            continue
        if not psutil.pid_exists(pid):  # a pid we may not signal is alive too
            shutil.rmtree(old, ignore_errors=True)
    path = Path(tempfile.mkdtemp(prefix=f"{prefix}{host}-{os.getpid()}-", dir=parent))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
