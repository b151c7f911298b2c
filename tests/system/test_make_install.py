"""`make install` puts `portalnews` on the user's PATH the way pipx does: a link in ~/.local/bin to the
checkout's .venv/bin/portalnews, never replacing someone else's file, and one line saying what to
add to PATH when ~/.local/bin is not on it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV_CLI = REPO / ".venv" / "bin" / "portalnews"

pytestmark = [
    pytest.mark.skipif(shutil.which("make") is None, reason="`make` is not installed"),
    pytest.mark.skipif(
        not VENV_CLI.exists(), reason="no .venv/bin/portalnews: the suite runs outside `make`"
    ),
]
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


def make_cli_link(home: Path, path: str = SYSTEM_PATH) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("USER_BIN", "MAKEFLAGS", "MAKELEVEL")}
    env.update(HOME=str(home), PATH=path)
    return subprocess.run(
        ["make", "-s", "-C", str(REPO), "cli-link"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "home"


def test_the_link_in_local_bin_runs_portalnews_and_the_user_is_told_to_add_it_to_path(home):
    result = make_cli_link(home)
    link = home / ".local" / "bin" / "portalnews"
    assert link.is_symlink() and link.resolve() == VENV_CLI.resolve()
    assert result.stdout.splitlines() == [
        f"portalnews is linked in {home}/.local/bin, which is not on PATH: add it, e.g."
        f' export PATH="{home}/.local/bin:$PATH" in ~/.profile']
    shell = subprocess.run(
        ["portalnews", "--help"],
        env={"PATH": f"{home}/.local/bin:{SYSTEM_PATH}", "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.startswith("usage: portalnews")


def test_with_local_bin_on_path_a_second_install_says_nothing_and_keeps_the_link(home):
    make_cli_link(home)
    again = make_cli_link(home, path=f"{home}/.local/bin:{SYSTEM_PATH}")
    assert again.stdout == ""
    assert (home / ".local" / "bin" / "portalnews").resolve() == VENV_CLI.resolve()


def test_another_programs_file_named_portalnews_is_left_as_it_is(home):
    theirs = home / ".local" / "bin" / "portalnews"
    theirs.parent.mkdir(parents=True)
    theirs.write_text("#!/bin/sh\necho another portalnews\n", encoding="utf-8")
    result = make_cli_link(home, path=f"{home}/.local/bin:{SYSTEM_PATH}")
    assert (
        theirs.read_text(encoding="utf-8") == "#!/bin/sh\necho another portalnews\n"
        and not theirs.is_symlink()
    )
    assert result.stdout.splitlines() == [
        f"{theirs} is another program's file: left as it is; this checkout's is {VENV_CLI}"]


def test_a_link_to_another_checkout_is_kept_and_the_message_names_the_checkout_it_runs(home):
    other = home / "other-checkout" / ".venv" / "bin" / "portalnews"
    other.parent.mkdir(parents=True)
    other.write_text("#!/bin/sh\n", encoding="utf-8")
    link = home / ".local" / "bin" / "portalnews"
    link.parent.mkdir(parents=True)
    link.symlink_to(other)
    result = make_cli_link(home)
    assert link.resolve() == other.resolve()
    # No "portalnews is linked in ...": it is not this checkout's link.
    assert result.stdout.splitlines() == [
        f"{link} runs another checkout ({other}): left as it is; this checkout's is {VENV_CLI}",
        f"{home}/.local/bin is not on PATH either: run {VENV_CLI}"]


def test_a_link_left_by_a_removed_checkout_is_replaced(home):
    stale = home / ".local" / "bin" / "portalnews"
    stale.parent.mkdir(parents=True)
    stale.symlink_to(home / "old-checkout" / ".venv" / "bin" / "portalnews")
    make_cli_link(home)
    assert stale.resolve() == VENV_CLI.resolve()
