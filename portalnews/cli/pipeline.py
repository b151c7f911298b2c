"""The pipeline's commands: `run`, `check`, `extract`, `reextract`."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import date, datetime
from pathlib import Path

from portalnews.cli.common import registry, registry_files, with_registry

log = logging.getLogger("portalnews")


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
    from portalnews.store.db import admin_database_url, database_url
    from portalnews.store.schema import migrate

    portals = select(registry(args), args.portal)
    db_url = database_url()
    try:
        migrate(admin_database_url())  # the user's own entry point: bring the schema up to date first
    except jobs.DATABASE_DOWN as err:
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
        print(f"portalnews: database unreachable ({reason}): nothing crawled; start it or fix DATABASE_URL",
              file=sys.stderr)
        return 1
    summaries = []
    started = time.monotonic()
    outage = None  # the database went away: the last line says what was kept; later portals wait
    for n, portal in enumerate(portals):
        print(f"== {portal.id}: {portal.name} ({portal.base_url})", flush=True)
        try:
            summary = jobs.run_portal(
                db_url,
                portal,
                registry_files(args),
                backfill=args.backfill,
                since=args.since,
                on_line=_progress_printer(portal.id),
                revisit=args.revisit,
                **_archive_options(args),
            )
        except jobs.DATABASE_DOWN:
            summary = {"portal": portal.id, "status": "failed", "database_unreachable": True,
                       "message": f"database unreachable before the run of {portal.id}: nothing crawled"}
        summaries.append(summary)
        print(
            f"   {summary['status']}" + (f": {summary['message']}" if summary.get("message") else ""),
            flush=True,
        )
        if summary.get("database_unreachable"):
            not_run = [p.id for p in portals[n + 1:]]
            outage = summary["message"] + (f"; not run: {', '.join(not_run)}" if not_run else "")
            break
    print(_summary_table(summaries))
    print(f"total {time.monotonic() - started:.1f} s")
    if outage:
        print(f"portalnews: {outage}", flush=True)
    return 0 if all(s["status"] == "success" for s in summaries) else 1


def _archive_options(args) -> dict:
    """`--backfill --from-archive URL [--until DATE]`: backfill from a web archive (docs/web-archives.md)."""
    if not args.from_archive:
        return {}
    if not args.backfill:
        raise SystemExit("portalnews: --from-archive goes with --backfill")
    return {"from_archive": args.from_archive, "until": args.until, "archive_delay": args.archive_delay}


def _summary_table(summaries: list[dict]) -> str:
    head = ("portal", "status", "fetched", "new", "updated", "duplicate", "unchanged", "304s", "errors")
    rows = [head]
    for s in summaries:
        c, cl, ld = s.get("crawl", {}), s.get("clean", {}), s.get("load", {})
        rows.append(
            (
                s["portal"],
                s["status"],
                c.get("pages_fetched", 0),
                ld.get("new", 0),
                ld.get("updated", 0),
                ld.get("duplicate", 0),
                ld.get("unchanged", 0),
                c.get("responses_304", 0),
                c.get("fetch_errors", 0) + c.get("index_errors", 0) + cl.get("failed", 0),
            )
        )
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows)


def cmd_check(args) -> int:
    from portalnews import jobs
    from portalnews.registry import select

    portal = select(registry(args), [args.portal])[0]
    if not args.verbose:  # stdout is the JSON report, stderr at most one line saying what is wrong
        logging.getLogger("portalnews").setLevel(logging.WARNING)
    report = jobs.check(portal, registry_files(args), max_pages=args.max_pages,
                        on_line=print if args.verbose else None)
    print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    if report["article_links"] and report.get("sample_article"):
        return 0
    # One line on stderr says what is wrong; the report above has the details.
    reason = report["errors"][0] if report["errors"] else "no article page could be cleaned"
    print(f"portalnews: check of {portal.id} failed: {reason}", file=sys.stderr)
    return 1


def cmd_extract(args) -> int:
    from portalnews.extraction import ExtractionError

    # the clean stage's size and time bound
    from portalnews.pipelines.clean_workers import CleaningError, cleaner

    failures = 0
    for name in args.files:
        path = Path(name)
        record: dict = {"file": name}
        try:
            data = path.read_bytes()
            if path.suffix == ".gz":
                import gzip

                data = gzip.decompress(data)
            article = cleaner.clean(data, args.url)
            record.update(article.to_json())
        except (OSError, ExtractionError, CleaningError, RuntimeError) as err:
            failures += 1
            record.update({"error": f"{type(err).__name__}: {err}", "title": None, "published_at": None,
                           "author": None, "sapo": None, "body": None})
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 1 if failures == len(args.files) else 0


def cmd_reextract(args) -> int:
    from portalnews.config import clean_workers
    from portalnews.extraction import EXTRACTOR_VERSION
    from portalnews.pipelines.clean import clean_pending
    from portalnews.pipelines.load import load_pending
    from portalnews.registry import select
    from portalnews.store.db import admin_database_url, database_url
    from portalnews.store.schema import migrate

    db_url = database_url()
    migrate(admin_database_url())
    since = datetime.combine(date.fromisoformat(args.since), datetime.min.time()) if args.since else None
    for portal in select(registry(args), args.portal):
        started = time.perf_counter()
        cleaned = clean_pending(db_url, portal, since=since, force=True)
        seconds = time.perf_counter() - started
        pages = cleaned.cleaned + cleaned.failed
        loaded = load_pending(db_url, portal)
        print(
            f"{portal.id}: extractor {EXTRACTOR_VERSION}; cleaned {cleaned.as_dict()}; "
            f"articles {loaded.as_dict()}"
        )
        print(
            f"{portal.id}: {pages} pages re-cleaned in {seconds:.1f} s, "
            f"{pages / seconds if seconds else 0:.1f} pages/s"
            f" (cleaning processes: {clean_workers()})"
        )
    return 0


def add_commands(sub) -> None:
    p = with_registry(sub.add_parser("run", help="one crawl -> clean -> dedupe -> load pass"))
    p.add_argument("--portal", action="append", metavar="ID", help="portal id (repeatable; default all)")
    p.add_argument("--backfill", action="store_true", help="walk archives deeper; resumes if interrupted")
    p.add_argument(
        "--since",
        metavar="YYYY-MM-DD",
        help="with --backfill: stop at articles older than this; with --revisit: "
            "only articles published since",
    )
    p.add_argument("--revisit", action="store_true",
                   help="re-fetch every known article now (conditionally) to catch corrections")
    p.add_argument(
        "--from-archive",
        metavar="URL",
        help="with --backfill: fetch the portal's captures from a Wayback-compatible archive "
        "(replay prefix, e.g. https://web.archive.org/web); --since/--until bound capture dates",
    )
    p.add_argument("--until", metavar="YYYY-MM-DD", help="with --from-archive: captures made until this date")
    p.add_argument("--archive-delay", type=float, metavar="SECONDS",
                   help="with --from-archive: seconds between requests to the archive (default 1)")
    p.set_defaults(func=cmd_run)

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
