"""The facts commands: documents cited and officials named (migration 0011_facts.sql, docs/facts.md).

    portalnews documents [TEXT] [--portal ID] [--since DATE] [--limit N] [--json]
    portalnews documents KEY [--portal ID] [--since DATE] [--json]     articles per portal per month
    portalnews officials [NAME] [--portal ID] [--since DATE] [--limit N] [--json]
    portalnews facts recompute [--portal ID]       after a rules change (portalnews.facts.RULES_VERSION)

Arguments are matched with diacritics, case and (for keys) spacing ignored, as `portalnews search`
does: `57-nq/tw`, `nghi quyet trung uong 4 khoa xii`, `truong quang nghia`. Times are Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

from portalnews.cli.analysts import _connect, _since


def _rows(sql: str, params: dict) -> list[dict]:
    import psycopg2.extras

    conn = _connect()
    try:
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "no date"


def _print_json(rows: list[dict]) -> None:
    for row in rows:
        print(json.dumps({k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()},
                         ensure_ascii=False))


_FILTERS = (
    "(%(portal)s::text IS NULL OR portal = %(portal)s) AND (%(since)s::timestamptz IS NULL "
    "OR published_at >= %(since)s)"
)

DOCUMENTS_SQL = f"""
SELECT document_key, mode() WITHIN GROUP (ORDER BY document_type) AS document_type,
       count(DISTINCT article_id) AS articles, array_agg(DISTINCT portal ORDER BY portal) AS portals,
       min(published_at) AS first_mentioned_at,
       (array_agg(portal ORDER BY published_at NULLS LAST, article_id))[1] AS first_portal
FROM article_documents
WHERE (%(text)s::text IS NULL
       OR vi_fold(document_key || ' ' || coalesce(document_type, '') || ' ' || coalesce(issuer, ''))
          LIKE '%%' || vi_fold(%(text)s) || '%%')
  AND {_FILTERS}
GROUP BY document_key
ORDER BY articles DESC, first_mentioned_at NULLS LAST, document_key
LIMIT %(limit)s"""

DOCUMENT_MONTHS_SQL = f"""
SELECT document_key, portal, to_char(published_at, 'YYYY-MM') AS month,
       count(DISTINCT article_id) AS articles, min(published_at) AS first_mentioned_at
FROM article_documents
WHERE document_key_form(document_key) = document_key_form(%(text)s) AND {_FILTERS}
GROUP BY document_key, portal, month
ORDER BY month NULLS LAST, portal"""

OFFICIALS_SQL = f"""
SELECT name, position, array_agg(DISTINCT portal ORDER BY portal) AS portals,
       min(published_at) AS first_seen_at, max(published_at) AS last_seen_at,
       count(DISTINCT article_id) AS articles
FROM article_officials
WHERE (%(name)s::text IS NULL OR vi_fold(name) LIKE '%%' || vi_fold(%(name)s) || '%%') AND {_FILTERS}
GROUP BY name, position
ORDER BY name, first_seen_at NULLS LAST, position
LIMIT %(limit)s"""


def cmd_documents(args) -> int:
    params = {"text": args.text, "portal": args.portal, "since": _since(args.since), "limit": args.limit}
    months = _rows(DOCUMENT_MONTHS_SQL, params) if args.text else []
    if months:  # the text is a document's key: its articles per portal per month
        if args.json:
            _print_json(months)
            return 0
        first = min(months, key=lambda r: (r["first_mentioned_at"] is None, r["first_mentioned_at"]))
        print(f"{months[0]['document_key']}: {sum(r['articles'] for r in months)} articles,"
              f" first {_when(first['first_mentioned_at'])} on {first['portal']}")
        print(f"  {'month':<8} {'portal':<24} articles")
        for row in months:
            print(f"  {row['month'] or 'no date':<8} {row['portal']:<24} {row['articles']:>8}")
        return 0
    documents = _rows(DOCUMENTS_SQL, params)
    if args.json:
        _print_json(documents)
        return 0
    if not documents:
        print("no document cited" + (f" matches {args.text!r}" if args.text else ""), file=sys.stderr)
        return 1
    for number, row in enumerate(documents, 1):
        print(
            f"{number:>3}. {row['document_key']} ({row['document_type'] or '?'}): {row['articles']} articles"
            f" · {', '.join(row['portals'])} · first {_when(row['first_mentioned_at'])} on "
            f"{row['first_portal']}"
        )
    return 0


def cmd_officials(args) -> int:
    positions = _rows(OFFICIALS_SQL, {"name": args.name, "portal": args.portal, "since": _since(args.since),
                                      "limit": args.limit})
    if args.json:
        _print_json(positions)
        return 0
    if not positions:
        print("no official named" + (f" matches {args.name!r}" if args.name else ""), file=sys.stderr)
        return 1
    name = None
    for row in positions:
        if row["name"] != name:
            name = row["name"]
            print(name)
        print(f"  {row['position']}: {_when(row['first_seen_at'])} .. {_when(row['last_seen_at'])},"
              f" {row['articles']} articles · {', '.join(row['portals'])}")
    return 0


def cmd_facts_recompute(args) -> int:
    from portalnews.facts import RULES_VERSION
    from portalnews.pipelines.load.facts import recompute_facts
    from portalnews.store.db import admin_database_url, database_url
    from portalnews.store.schema import migrate

    migrate(admin_database_url())
    stats = recompute_facts(database_url(), args.portal)
    print(f"facts rules {RULES_VERSION}: {stats.articles} articles derived again, {stats.failed} failed")
    return 1 if stats.failed else 0


def add_commands(sub) -> None:
    p = sub.add_parser("documents", help="Party and State documents cited, by number of articles")
    p.add_argument(
        "text", nargs="?", help="part of a key, type or issuer; a whole key (57-NQ/TW) shows months"
    )
    p.add_argument("--portal", metavar="ID")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only articles published since (Vietnam time)")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_documents)

    p = sub.add_parser("officials", help="officials named with their positions, first and last seen")
    p.add_argument("name", nargs="?", help="part of a name, with or without diacritics")
    p.add_argument("--portal", metavar="ID")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only articles published since (Vietnam time)")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_officials)

    p = sub.add_parser("facts", help="the documents and officials derived from articles")
    facts_sub = p.add_subparsers(dest="facts_command", required=True)
    q = facts_sub.add_parser("recompute", help="derive again every article's facts with the current rules")
    q.add_argument("--portal", metavar="ID")
    q.set_defaults(func=cmd_facts_recompute)
