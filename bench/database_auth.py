"""What password authentication costs on the embedded server: the same cluster setup and the same
connection loop with trust (what earlier versions ran, any local user a superuser) and with
scram-sha-256 (what `portalnews db start` runs now), side by side. The pipeline opens one connection
per transaction (store/db.py), so connection setup is the figure that matters.

    python bench/database_auth.py [--connections 300]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg2  # noqa: E402

from portalnews.store import embedded as embedded_db  # noqa: E402
from portalnews.store import server_placement  # noqa: E402


def trust_server(pgdata: Path) -> tuple[float, str]:
    """A cluster set up as earlier versions did (initdb --auth=trust, pg_ctl start)."""
    started = time.monotonic()
    datadir = server_placement.data_directory(pgdata)
    port = embedded_db._free_port()
    embedded_db._run("initdb", ["-D", str(datadir), "--auth=trust", "-U", "postgres", "--locale=C.UTF-8"])
    embedded_db._run("pg_ctl", ["-D", str(datadir), "-w", "-l", str(datadir / "server.log"),
                                "-o", f"-h 127.0.0.1 -p {port} -k {datadir}", "start"])
    return time.monotonic() - started, f"postgresql://postgres@127.0.0.1:{port}/postgres"


def password_server(pgdata: Path) -> tuple[float, str]:
    started = time.monotonic()
    server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
    return time.monotonic() - started, server.url("postgres")


def connection_ms(url: str, count: int) -> tuple[float, float]:
    """Median and 95th percentile of connect + SELECT 1 + close, in milliseconds."""
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        conn = psycopg2.connect(url)
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
        conn.close()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=300)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="portalnews-bench-auth-"))
    print(
        f"{'authentication':>26} | first start | connect+query+close: median | p95 ({args.connections} times)"
    )
    try:
        for name, setup in (
            ("trust (earlier versions)", trust_server),
            ("scram-sha-256 (now)", password_server),
        ):
            pgdata = root / name.split()[0] / "pgdata"
            first_start, url = setup(pgdata)
            try:
                median, p95 = connection_ms(url, args.connections)
            finally:
                embedded_db.stop(pgdata)
                embedded_db.remove_cluster(pgdata)
            print(f"{name:>26} | {first_start:9.2f} s | {median:24.2f} ms | {p95:5.2f} ms", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
