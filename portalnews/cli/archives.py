"""`portalnews import`: web archive files (WARC, WARC.gz, WACZ) into the database (docs/web-archives.md).

    portalnews import FILE... --portal ID [--discover] [--registry FILE]
"""

from __future__ import annotations

import json
import sys

from portalnews.cli.common import registry, with_registry


def cmd_import(args) -> int:
    from portalnews import jobs
    from portalnews.registry import select
    from portalnews.store.db import admin_database_url, database_url
    from portalnews.store.schema import migrate

    portal = select(registry(args), [args.portal])[0]
    db_url = database_url()
    migrate(admin_database_url())  # the user's own entry point, as `portalnews run`
    summary = jobs.import_archives(db_url, portal, args.files, discover=args.discover,
                                   on_line=lambda line: print(f"  [{portal.id}] {line}", flush=True))
    imported, loaded = summary["import"], summary["load"]
    print(f"{portal.id}: {imported['responses']} archived responses, {imported['articles']} article pages, "
          f"{imported['pages_stored']} stored, {imported['already_stored']} already stored; "
          f"articles new {loaded.get('new', 0)}, duplicate {loaded.get('duplicate', 0)}")
    if args.discover:
        print(f"{portal.id}: discovery read {imported['listings_read']} archived listings linking "
              f"{imported['links_discovered']} articles, {imported['articles_through_listings']} of them "
              "archived")
    if args.verbose:
        print(json.dumps(summary, ensure_ascii=False, default=str, indent=1))
    if summary["message"]:
        print(f"portalnews: {summary['message']}", file=sys.stderr)
    return 0 if summary["status"] == "success" else 1


def add_commands(sub) -> None:
    p = with_registry(
        sub.add_parser("import", help="store a portal's pages from WARC/WACZ files, then clean and load")
    )
    p.add_argument("files", nargs="+", metavar="FILE", help=".warc, .warc.gz or .wacz")
    p.add_argument(
        "--portal", required=True, metavar="ID", help="the registry id the archived pages belong to"
    )
    p.add_argument(
        "--discover",
        action="store_true",
        help="also read the archived listings with the crawl's discovery and count what they link",
    )
    p.set_defaults(func=cmd_import)
