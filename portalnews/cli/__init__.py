"""`portalnews`: the command line for operators and developers.

portalnews run [--registry FILE ...] [--portal ID ...] [--backfill --since DATE]
portalnews run --portal ID --backfill --from-archive URL [--since DATE] [--until DATE]
portalnews db start|stop|url|psql|migrate [--analyst]
portalnews search QUERY [--portal ID] [--since DATE]  full-text search, with or without diacritics
portalnews export --format csv|jsonl|parquet|warc [--portal ID] [--since DATE]  articles; raw pages as WARC
portalnews import FILE... --portal ID   WARC/WACZ files -> raw pages -> clean -> load
portalnews documents [TEXT|KEY] / officials [NAME]   documents cited, officials named (docs/facts.md)
portalnews facts recompute [--portal ID]   derive every article's facts again after a rules change
portalnews up                      embedded PostgreSQL + Airflow (UI on 127.0.0.1:8080)
portalnews check PORTAL            validate a registry entry against the live (or mirrored) site
portalnews extract [--url URL] FILE...      clean saved HTML files, one JSON object per line
portalnews reextract [--portal ID] [--since DATE]  re-clean stored raw pages (no network)
portalnews mirror SITE_DIR... [--port N]    serve recorded sites on 127.0.0.1 (tests, demos)
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings

from portalnews.cli import airflow, analysts, archives, database, facts, mirror, pipeline

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

COMMAND_GROUPS = (pipeline, archives, database, analysts, facts, airflow, mirror)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portalnews", description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import psycopg2

    from portalnews.registry import RegistryError

    try:
        return args.func(args)
    except RegistryError as err:
        print(f"portalnews: registry error: {err}", file=sys.stderr)
        return 2
    except (
        psycopg2.OperationalError,
        psycopg2.InterfaceError,
    ) as err:  # expected: one line, the cause and fix
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
        print(
            f"portalnews: database unreachable ({reason}): start it (`portalnews db start`) or fix "
            "DATABASE_URL",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("portalnews: interrupted", file=sys.stderr)
        return 130
