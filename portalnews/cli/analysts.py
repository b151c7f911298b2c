"""The analysts' commands: `search` and `export`, thin wrappers over SQL.

    portalnews search QUERY [--portal ID] [--since DATE] [--limit N] [--json]
    portalnews export --format csv|jsonl|parquet|warc [--portal ID ...] [--since DATE] [--output FILE]

`search` calls the database's search_articles() (migration 0002_analysts.sql), so psql users get the
same hits. `export` streams with COPY ... TO STDOUT: the server writes rows as it reads them and no
result is held in memory. Times are Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime

EXPORT_COLUMNS = (
    "id",
    "portal",
    "url",
    "canonical_url",
    "title",
    "sapo",
    "published_at",
    "modified_at",
    "author",
    "source",
    "category",
    "body",
    "images",
    "story_id",
    "first_seen_at",
    "updated_at",
)
HIGHLIGHT = ("«", "»")
BOLD = ("\033[1m", "\033[0m")


def _since(value: str | None) -> datetime | None:
    from portalnews.vietnamese.dates import VIETNAM

    return datetime.combine(date.fromisoformat(value), datetime.min.time(), VIETNAM) if value else None


def _connect():
    from portalnews.store.db import analyst_database_url, connect

    conn = connect(analyst_database_url())
    with conn.cursor() as cur:
        cur.execute("SET timezone = 'Asia/Ho_Chi_Minh'")
    return conn


COUNT_CAP = 10_000  # matches counted at most (search_articles_count, migration 0013)


def cmd_search(args) -> int:
    import psycopg2.extras

    conn = _connect()
    try:
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            search = (args.query, args.portal, _since(args.since))
            cur.execute("SELECT * FROM search_articles(%s, %s, %s, %s)", (*search, args.limit))
            hits = cur.fetchall()
            matches = len(hits)
            if matches == args.limit:  # maybe more: say how many (counted up to a cap)
                cur.execute("SELECT search_articles_count(%s, %s, %s, %s) AS n", (*search, COUNT_CAP))
                matches = cur.fetchone()["n"]
    finally:
        conn.close()
    if args.json:
        for hit in hits:
            print(
                json.dumps(
                    {**hit, "published_at": hit["published_at"].isoformat() if hit["published_at"] else None},
                    ensure_ascii=False,
                )
            )
    elif not hits:
        print(f"no article matches {args.query!r}", file=sys.stderr)
        return 1
    else:
        _print_hits(hits)
    if matches > len(hits):  # after the hits, on stderr (--json's stdout stays one hit per line)
        more = f"over {COUNT_CAP:,}" if matches >= COUNT_CAP else f"{matches}"
        print(f"{more} match, {len(hits)} shown; --limit N shows more", file=sys.stderr)
    return 0


def _print_hits(hits: list[dict]) -> None:
    start, stop = BOLD if sys.stdout.isatty() else HIGHLIGHT
    for number, hit in enumerate(hits, 1):
        published = hit["published_at"].strftime("%Y-%m-%d %H:%M") if hit["published_at"] else "no date"
        print(f"{number:>2}. {hit['title'] or '(no title)'}")
        print(f"    {hit['portal']} · {published} · rank {hit['rank']:.3f} · {hit['url']}")
        snippet = " ".join(hit["snippet"].split()).replace(HIGHLIGHT[0], start).replace(HIGHLIGHT[1], stop)
        print(f"    {snippet}")


def export_select(portals: list[str] | None, since: datetime | None) -> tuple[str, list]:
    """The articles an export writes, in order, and the query's parameters."""
    where: list[str] = ["true"]
    params: list[list[str] | datetime] = []
    if portals:
        where.append("portal = ANY(%s)")
        params.append(list(portals))
    if since:
        where.append("published_at >= %s")
        params.append(since)
    return (f"SELECT {', '.join(EXPORT_COLUMNS)} FROM articles WHERE {' AND '.join(where)}"
            " ORDER BY published_at NULLS LAST, id"), params


def export_sql(cur, fmt: str, portals: list[str] | None, since: datetime | None) -> str:
    """The COPY statement for an export (COPY takes no bind parameters: values are quoted by mogrify)."""
    select, params = export_select(portals, since)
    if fmt == "csv":
        return cur.mogrify(f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)", params).decode()
    # One JSON object per line. CSV format with a quote and delimiter that JSON never contains raw
    # (row_to_json escapes control characters) passes each line through unescaped, unlike text format.
    return cur.mogrify(f"COPY (SELECT row_to_json(a) FROM ({select}) a) TO STDOUT"
                       " WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')", params).decode()


def cmd_export(args) -> int:
    if args.format in ("warc", "parquet"):
        return _export_archive_format(args)
    out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115 (closed below)
    conn = _connect()
    try:
        with conn, conn.cursor() as cur:
            cur.copy_expert(export_sql(cur, args.format, args.portal, _since(args.since)), out)
    finally:
        conn.close()
        if args.output:
            out.close()
        else:
            out.flush()
    return 0


def _export_archive_format(args) -> int:
    """WARC (stored raw pages, fetched since --since) or Parquet (articles): files, not a stream."""
    if not args.output:
        print(f"portalnews: --format {args.format} needs --output FILE", file=sys.stderr)
        return 2
    conn = _connect()
    try:
        with conn:
            if args.format == "warc":
                from portalnews.pipelines.archives import export_warc

                with open(args.output, "wb") as out:
                    written = export_warc(conn, out, args.portal, _since(args.since))
                what = "raw pages"
            else:
                written = _export_parquet(conn, args)
                what = "articles"
    finally:
        conn.close()
    print(f"{written} {what} written to {args.output}", file=sys.stderr)
    return 0


def _export_parquet(conn, args) -> int:
    import psycopg2.extras

    from portalnews.archives.parquet import write_articles

    with conn.cursor("portalnews_parquet_export", cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.itersize = 2000
        select, params = export_select(args.portal, _since(args.since))
        cur.execute(select, params)
        return write_articles(args.output, cur)


def add_commands(sub) -> None:
    p = sub.add_parser("search", help="full-text search of articles (diacritics and case ignored)")
    p.add_argument("query", help='words, "a phrase", word OR word, -word; with or without diacritics')
    p.add_argument("--portal", metavar="ID")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only articles published since (Vietnam time)")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true", help="one JSON object per hit")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("export", help="articles as CSV, JSON lines or Parquet; raw pages as WARC")
    p.add_argument(
        "--format",
        choices=["csv", "jsonl", "parquet", "warc"],
        default="csv",
        help="parquet: articles, typed columns; warc: the stored raw pages (--since: fetched since)",
    )
    p.add_argument("--portal", action="append", metavar="ID", help="repeatable; default all")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only articles published since (Vietnam time)")
    p.add_argument("--output", metavar="FILE", help="default: standard output")
    p.set_defaults(func=cmd_export)
