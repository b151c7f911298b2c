"""`portalnews`: the command line for operators and developers.

    portalnews run [--registry FILE ...] [--portal ID ...] [--backfill --since DATE]
    portalnews db start|stop|url|migrate
    portalnews up                      embedded PostgreSQL + Airflow (UI on 127.0.0.1:8080)
    portalnews check PORTAL            validate a registry entry against the live (or mirrored) site
    portalnews extract [--url URL] FILE...      clean saved HTML files, one JSON object per line
    portalnews reextract [--portal ID] [--since DATE]  re-clean stored raw pages (no network)
    portalnews mirror SITE_DIR... [--port N]    serve recorded sites on 127.0.0.1 (tests, demos)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from datetime import date, datetime
from pathlib import Path

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

log = logging.getLogger("portalnews")


def _registry_files(args) -> list[Path]:
    """PORTALNEWS_REGISTRY's files, then --registry's: read here once and handed on explicitly."""
    from portalnews.config import registry_files

    return registry_files() + [Path(f) for f in (args.registry or [])]


def _registry(args) -> dict:
    from portalnews.registry import load_registry

    return load_registry(_registry_files(args))


# ---- run -----------------------------------------------------------------------------------
def _progress_printer(portal_id: str):
    """Show Scrapy's periodic progress and errors, not its whole log."""
    def show(line: str) -> None:
        if line.lstrip().startswith(("'", "{")):  # Scrapy's stats dump; the summary table follows
            return
        if any(key in line for key in ("Crawled ", "ERROR", "WARNING", "finished (", "known article URLs")):
            print(f"  [{portal_id}] {line.split('] ', 1)[-1][:200]}", flush=True)
    return show


def cmd_run(args) -> int:
    from portalnews import jobs
    from portalnews.registry import select
    from portalnews.store.db import database_url
    from portalnews.store.schema import migrate

    portals = select(_registry(args), args.portal)
    db_url = database_url()
    migrate(db_url)  # the user's own entry point: bring the schema up to date before the first run
    summaries = []
    started = time.monotonic()
    for portal in portals:
        print(f"== {portal.id}: {portal.name} ({portal.base_url})", flush=True)
        summary = jobs.run_portal(db_url, portal, _registry_files(args), backfill=args.backfill,
                                  since=args.since, on_line=_progress_printer(portal.id))
        summaries.append(summary)
        print(f"   {summary['status']}" + (f": {summary['message']}" if summary.get("message") else ""), flush=True)
    print(_summary_table(summaries))
    print(f"total {time.monotonic() - started:.1f} s")
    return 0 if all(s["status"] == "success" for s in summaries) else 1


def _summary_table(summaries: list[dict]) -> str:
    head = ("portal", "status", "fetched", "new", "updated", "duplicate", "unchanged", "304s", "errors")
    rows = [head]
    for s in summaries:
        c, cl, ld = s.get("crawl", {}), s.get("clean", {}), s.get("load", {})
        rows.append((s["portal"], s["status"], c.get("pages_fetched", 0), ld.get("new", 0), ld.get("updated", 0),
                     ld.get("duplicate", 0), ld.get("unchanged", 0), c.get("responses_304", 0),
                     c.get("fetch_errors", 0) + c.get("index_errors", 0) + cl.get("failed", 0)))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows)


# ---- db ------------------------------------------------------------------------------------
def cmd_db(args) -> int:
    from portalnews.store import embedded as embedded_db
    from portalnews.store.db import database_url
    from portalnews.store.schema import migrate

    if args.action == "start":
        server = embedded_db.start()
        embedded_db.ensure_database(server, "portalnews")
        print(server.url("portalnews"))
    elif args.action == "stop":
        print("stopped" if embedded_db.stop() else "not running")
    elif args.action == "url":
        if os.environ.get("DATABASE_URL"):
            print(os.environ["DATABASE_URL"])
        else:
            server = embedded_db.running_server()
            if not server:
                print("embedded PostgreSQL is not running (portalnews db start)", file=sys.stderr)
                return 1
            print(server.url("portalnews"))
    elif args.action == "migrate":
        applied = migrate(database_url())
        print("applied: " + (", ".join(applied) if applied else "nothing (schema up to date)"))
    return 0


# ---- up ------------------------------------------------------------------------------------
def cmd_up(args) -> int:
    from portalnews.airflow_env import CRAWL_POOL, CRAWL_POOL_SLOTS, airflow_environment
    from portalnews.store import embedded as embedded_db
    from portalnews.store.db import database_url
    from portalnews.store.schema import migrate, register_portals

    portals = list(_registry(args).values())
    db_url = database_url()
    migrate(db_url)
    register_portals(db_url, portals)
    airflow_db = os.environ.get("AIRFLOW_DATABASE_URL")
    if not airflow_db:
        server = embedded_db.start()
        embedded_db.ensure_database(server, "airflow")
        airflow_db = server.url("airflow")
    env = airflow_environment(db_url, airflow_db)
    extra = _registry_files(args)
    if extra:
        env["PORTALNEWS_REGISTRY"] = os.pathsep.join(str(p.resolve()) for p in extra)
    print(f"portalnews database: {db_url}")
    print(f"Airflow home: {env['AIRFLOW_HOME']}; DAGs: {env['AIRFLOW__CORE__DAGS_FOLDER']}")
    subprocess.run(["airflow", "db", "migrate"], env=env, check=True)
    subprocess.run(["airflow", "pools", "set", CRAWL_POOL, str(CRAWL_POOL_SLOTS),
                    "Concurrent portal crawls (politeness and memory)"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    url = f"http://{env['AIRFLOW__API__HOST']}:{env['AIRFLOW__API__PORT']}"
    print(f"\nStarting Airflow: UI at {url}\n"
          f"Log in as 'admin'; the password is printed below by Airflow on first start and kept in\n"
          f"{env['AIRFLOW_HOME']}/simple_auth_manager_passwords.json.generated\n"
          "DAGs start paused: unpause a portal's DAG (portalnews_<id>) in the UI to schedule it.\n"
          "Stop with Ctrl-C.\n", flush=True)
    # Own process group, stopped with SIGINT: SIGTERM to `airflow standalone` orphans its children.
    # SIGINT is reset to its default in the child: a shell starting us in the background ignores it,
    # and Python would then never turn it into the KeyboardInterrupt that stops standalone cleanly.
    proc = subprocess.Popen(["airflow", "standalone"], env=env, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    threading.Thread(target=_announce_when_ready, args=(url, env["AIRFLOW_HOME"]), daemon=True).start()

    stopping: list[float] = []

    def request_stop(*_):
        if not stopping:
            stopping.append(time.monotonic())
            _signal_group(proc.pid, signal.SIGINT)

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    while proc.poll() is None:
        time.sleep(0.5)
        # Escalate when parts hang on shutdown: SIGINT, then SIGTERM after 20 s, SIGKILL after 35 s.
        if stopping and time.monotonic() - stopping[0] > 35:
            _signal_group(proc.pid, signal.SIGKILL)
        elif stopping and time.monotonic() - stopping[0] > 20:
            _signal_group(proc.pid, signal.SIGTERM)
    # Children left behind by standalone (LocalExecutor workers) are still in its process group.
    _signal_group(proc.pid, signal.SIGTERM)
    time.sleep(1)
    _signal_group(proc.pid, signal.SIGKILL)
    print("portalnews: Airflow stopped; the embedded database keeps running (portalnews db stop)")
    return 0


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _announce_when_ready(url: str, airflow_home: str, timeout: float = 300) -> None:
    """Once the UI answers, say where to log in (Airflow's own banner scrolls away in the logs)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(2)
    else:
        return
    password_file = Path(airflow_home) / "simple_auth_manager_passwords.json.generated"
    password = "(see Airflow's output above)"
    if password_file.exists():
        password = json.loads(password_file.read_text()).get("admin", password)
    print(f"\n*** portalnews: Airflow is up at {url} — log in as admin / {password} ***\n", flush=True)


# ---- check ---------------------------------------------------------------------------------
def cmd_check(args) -> int:
    from portalnews import jobs
    from portalnews.registry import select

    portal = select(_registry(args), [args.portal])[0]
    if not args.verbose:  # stdout is the JSON report, stderr at most one line saying what is wrong
        logging.getLogger("portalnews").setLevel(logging.WARNING)
    report = jobs.check(portal, _registry_files(args), max_pages=args.max_pages,
                        on_line=print if args.verbose else None)
    print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    if report["article_links"] and report.get("sample_article"):
        return 0
    # One line on stderr says what is wrong; the report above has the details.
    reason = report["errors"][0] if report["errors"] else "no article page could be cleaned"
    print(f"portalnews: check of {portal.id} failed: {reason}", file=sys.stderr)
    return 1


# ---- extract / reextract -------------------------------------------------------------------
def cmd_extract(args) -> int:
    from portalnews.extraction import ExtractionError, extract_article

    failures = 0
    for name in args.files:
        path = Path(name)
        record: dict = {"file": name}
        try:
            data = path.read_bytes()
            if path.suffix == ".gz":
                import gzip

                data = gzip.decompress(data)
            article = extract_article(data, args.url)
            record.update(article.to_json())
        except (OSError, ExtractionError) as err:
            failures += 1
            record.update({"error": f"{type(err).__name__}: {err}", "title": None, "published_at": None,
                           "author": None, "sapo": None, "body": None})
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 1 if failures == len(args.files) else 0


def cmd_reextract(args) -> int:
    from portalnews.extraction import EXTRACTOR_VERSION
    from portalnews.pipelines.clean import clean_pending
    from portalnews.pipelines.load import load_pending
    from portalnews.registry import select
    from portalnews.store.db import database_url
    from portalnews.store.schema import migrate

    db_url = database_url()
    migrate(db_url)
    since = datetime.combine(date.fromisoformat(args.since), datetime.min.time()) if args.since else None
    for portal in select(_registry(args), args.portal):
        cleaned = clean_pending(db_url, portal, since=since, force=True)
        loaded = load_pending(db_url, portal)
        print(f"{portal.id}: extractor {EXTRACTOR_VERSION}; cleaned {cleaned.as_dict()}; articles {loaded.as_dict()}")
    return 0


# ---- mirror --------------------------------------------------------------------------------
def cmd_mirror(args) -> int:
    from portalnews.mirror import serve

    mirrors = serve([Path(d) for d in args.sites], args.port)
    registry = Path(args.write_registry) if args.write_registry else None
    texts = []
    for m in mirrors:
        print(f"{m.site_dir.name}: {m.origin}/", flush=True)
        if (m.site_dir / "portal.toml").exists():
            texts.append(m.registry_text())
    if registry:
        registry.write_text("\n".join(texts), encoding="utf-8")
        print(f"registry for these sites written to {registry}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        for m in mirrors:
            m.stop()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portalnews", description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_registry(p):
        p.add_argument("--registry", action="append", metavar="FILE",
                       help="extra registry TOML file (repeatable; also PORTALNEWS_REGISTRY)")
        return p

    p = with_registry(sub.add_parser("run", help="one crawl -> clean -> dedupe -> load pass"))
    p.add_argument("--portal", action="append", metavar="ID", help="portal id (repeatable; default all)")
    p.add_argument("--backfill", action="store_true", help="walk archives deeper; resumes if interrupted")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="with --backfill: stop at articles older than this")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("db", help="the embedded PostgreSQL server and the schema")
    p.add_argument("action", choices=["start", "stop", "url", "migrate"])
    p.set_defaults(func=cmd_db)

    p = with_registry(sub.add_parser("up", help="embedded PostgreSQL + Airflow standalone"))
    p.set_defaults(func=cmd_up)

    p = with_registry(sub.add_parser("check", help="validate a registry entry on its site"))
    p.add_argument("portal")
    p.add_argument("--max-pages", type=int, default=3)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("extract", help="clean saved HTML files (no network, no database)")
    p.add_argument("--url", help="the URL the pages were fetched from")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_extract)

    p = with_registry(sub.add_parser("reextract", help="re-clean stored raw pages (no network)"))
    p.add_argument("--portal", action="append", metavar="ID")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only pages fetched since")
    p.set_defaults(func=cmd_reextract)

    p = sub.add_parser("mirror", help="serve recorded sites on 127.0.0.1")
    p.add_argument("sites", nargs="+")
    p.add_argument("--port", type=int, default=0, help="first port (default: free ports)")
    p.add_argument("--write-registry", metavar="FILE", help="write the sites' registry entries here")
    p.set_defaults(func=cmd_mirror)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from portalnews.registry import RegistryError

    try:
        return args.func(args)
    except RegistryError as err:
        print(f"portalnews: registry error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
