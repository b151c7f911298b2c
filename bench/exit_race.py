"""How often a child that has exited is not yet reapable when its socket reports EOF.

    python bench/exit_race.py [--trials 20] [--ballast-mib 0]

Airflow's task supervisor (airflow/sdk/execution_time/supervisor.py) reads its task process's sockets
until EOF, then polls the process's exit with waitpid(WNOHANG); a process closes its files on exit a moment
before the kernel makes it reapable, and a supervisor that looks in that moment, with no socket left to wake
it, sleeps `[workers] min_heartbeat_interval` (bench/README.md, "The scheduled path after the body hint").
This forks children that exit at once and counts the trials in which the parent, woken by the EOF, finds the
child still running. Figures only.
"""

from __future__ import annotations

import argparse
import os
import selectors
import socket


def trial(ballast: bytearray) -> bool:
    """True when the child was not yet reapable at its socket's EOF."""
    parent, child = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        parent.close()
        for i in range(0, len(ballast), 4096):  # pages of its own to free at exit, as a task process has
            ballast[i] = 1
        os._exit(0)
    child.close()
    with selectors.DefaultSelector() as selector:
        selector.register(parent, selectors.EVENT_READ)
        selector.select()
    assert parent.recv(1) == b""
    reaped, _ = os.waitpid(pid, os.WNOHANG)
    if not reaped:
        os.waitpid(pid, 0)
    parent.close()
    return not reaped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--ballast-mib", type=int, default=0, help="memory each child touches before exiting")
    args = parser.parse_args()
    ballast = bytearray(args.ballast_mib * 1024 * 1024)
    late = sum(trial(ballast) for _ in range(args.trials))
    print(f"child not yet reapable at its socket's EOF in {late} of {args.trials} trials"
          f" (ballast {args.ballast_mib} MiB; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
