"""Benchmark: analysts' search and story clustering on a large synthetic corpus.

    python bench/search.py [--articles 200000] [--checkpoints 10000,200000] [--repeat 20] [--keep DIR]

Builds, on a throw-away embedded PostgreSQL with the real schema, N synthetic articles made of real
Vietnamese sentences (the bodies of the recorded fixture articles in tests/fixtures/sites, shuffled
into new articles over 30 portals), then prints, in one run:

* search latency of `search_articles()` (median and p95 over --repeat runs per query, one backend
  with parallel workers off, i.e. one core), next to the same search ranking every match (no
  `max_ranked` cap) and to what an analyst would otherwise type: `vi_fold(body) LIKE '%...%'`
  (a sequential scan);
* at each of --checkpoints stored articles (and at N): the load stage's cost per article (dedupe,
  story assignment through MinHash LSH bands), as wall time and as CPU of this process (the client) and
  of the PostgreSQL server, next to assigning stories by comparing a new article with every stored
  signature (all pairs); the health DAG's computation (`compute_health` over the 30 portals, nothing
  stored); the database's size per article and the share of it that is indexes.

Every article comes with its raw page (a placeholder instead of the gzipped HTML, so sizes count
everything but the HTML) and its extraction, fetched and cleaned a few minutes after publication, so the
health figures and the load stage's lookups read tables of the size a real corpus has. Rows are made
in this process (MinHash signatures and fingerprints are the pipeline's own functions) and written
with COPY; raw pages and extractions with one INSERT ... SELECT per step.

Figures only: nothing is asserted. `--keep DIR` keeps the server's data in DIR: a later run with the
same DIR and --articles migrates it (new migrations apply) and measures search again without
rebuilding the corpus (load figures are then skipped).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import io
import json
import random
import re
import statistics
import sys
import tempfile
import time
import warnings
from datetime import datetime, timedelta
from math import nan
from pathlib import Path

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402
import psycopg2  # noqa: E402
from psycopg2.extras import Json  # noqa: E402

from bench.throughput import tree_cpu  # noqa: E402
from portalnews.monitoring.health import compute_health  # noqa: E402
from portalnews.pipelines.load import dedupe, load_pending, stories  # noqa: E402
from portalnews.registry import Portal  # noqa: E402
from portalnews.store import embedded as embedded_db  # noqa: E402
from portalnews.store.schema import migrate  # noqa: E402
from portalnews.vietnamese.dates import VIETNAM  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PORTALS = [f"synthetic_{n:02d}" for n in range(30)]
QUERIES = [  # (label, query): common and rare words, with and without diacritics, phrases
    ("phrase, no diacritics", "nghi quyet trung uong"),
    ("phrase, Vietnamese", "Nghị quyết Trung ương"),
    ("quoted phrase", '"ban chấp hành đảng bộ"'),
    ("two words", "chuyen doi so"),
    ("rare words", "tieng mong tieng dao"),
    ("one common word", "dang"),
]
# Six years of articles up to today, so the health figures (the last 29 days) see a portal's usual flow.
CORPUS_START = datetime.now(VIETNAM).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
    days=6 * 365
)
LIKE_QUERIES = [("phrase, no diacritics", "nghi quyet trung uong"), ("rare words", "tieng mong, tieng dao")]


def sentence_pool() -> list[str]:
    bodies = [json.loads(Path(f).read_text(encoding="utf-8"))
              for f in glob.glob(str(ROOT / "tests/fixtures/sites/*/expected/*.json"))]
    sentences = {s.strip() for b in bodies for s in re.split(r"(?<=[.!?…])\s+|\n+", b["body"])
                 if len(s.split()) >= 5}
    return sorted(sentences)


def synthetic_article(rng: random.Random, pool: list[str], n: int) -> dict:
    body = "\n".join(rng.sample(pool, rng.randint(6, 14)))
    first = body.split("\n", 1)[0]
    title = " ".join(first.split()[: rng.randint(8, 16)])
    published = CORPUS_START + timedelta(minutes=rng.randrange(6 * 365 * 24 * 60))
    portal = PORTALS[n % len(PORTALS)]
    return {"portal": portal, "url": f"http://{portal}.test/tin/{n}", "title": title, "sapo": first,
            "body": body, "published_at": published}


def _csv_field(value) -> str:
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return '"' + text.replace('"', '""') + '"'


def _copy(cur, table: str, columns: str, rows: list[tuple]) -> None:
    buffer = io.StringIO("".join(",".join(_csv_field(v) for v in row) + "\n" for row in rows))
    cur.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)


def bulk_insert(conn, rng: random.Random, pool: list[str], start: int, stop: int) -> None:
    """Articles start..stop-1 with their raw pages, extractions, URLs, stories and MinHash signatures,
    through COPY. Article n has id, raw page id and story id n + 1."""
    pages, extractions, articles, urls, story_rows, signatures = [], [], [], [], [], io.StringIO()
    for n in range(start, stop):
        a = synthetic_article(rng, pool, n)
        article_id = n + 1
        fetched = a["published_at"] + timedelta(minutes=5 + n % 50)
        pages.append((article_id, a["portal"], a["url"], a["url"], a["url"], 200, "\\x00",
                      hashlib.sha256(a["url"].encode()).hexdigest(), fetched))
        result = {
            "title": a["title"],
            "sapo": a["sapo"],
            "body": a["body"],
            "published_at": a["published_at"].isoformat(),
        }
        extractions.append((article_id, "bench", fetched + timedelta(seconds=30), True,
                            json.dumps(result, ensure_ascii=False), fetched + timedelta(seconds=40)))
        story_rows.append((article_id, a["portal"], a["published_at"]))
        articles.append(
            (
                article_id,
                a["portal"],
                a["url"],
                a["url"],
                a["title"],
                a["sapo"],
                a["published_at"],
                a["body"],
                dedupe.fingerprint(a["body"]),
                dedupe.simhash(a["body"]).to_hex(),
                article_id,
                "bench",
                article_id,
                fetched,
                fetched,
            )
        )
        urls.append((a["portal"], a["url"], article_id, fetched))
        signature = stories.minhash(a["body"])
        signatures.write(f"{article_id}\t{{{','.join(map(str, signature))}}}\t"
                         f"{{{','.join(map(str, stories.band_keys(signature)))}}}\n")
    with conn.cursor() as cur:
        _copy(
            cur,
            "raw_pages",
            "id, portal, requested_url, url, canonical_url, status, html_gz, content_sha256, fetched_at",
            pages,
        )
        _copy(
            cur,
            "extractions",
            "raw_page_id, extractor_version, extracted_at, ok, result, loaded_at",
            extractions,
        )
        _copy(cur, "stories", "id, first_portal, first_published_at", story_rows)
        _copy(
            cur,
            "articles",
            "id, portal, url, canonical_url, title, sapo, published_at, body, body_fingerprint,"
            " body_simhash, raw_page_id, extractor_version, story_id, first_seen_at, updated_at",
            articles,
        )
        _copy(cur, "article_urls", "portal, canonical_url, article_id, first_seen_at", urls)
        signatures.seek(0)
        cur.copy_from(signatures, "story_signatures", columns=("article_id", "minhash", "bands"))
        cur.execute("UPDATE stories SET first_article_id = id WHERE id > %s AND id <= %s", (start, stop))
        cur.execute("SELECT setval('articles_id_seq', %s), setval('stories_id_seq', %s),"
                    " setval('raw_pages_id_seq', %s)", (stop, stop, stop))
    conn.commit()


def timed(cur, sql: str, params, repeat: int) -> tuple[float, float, int]:
    """Median and p95 in ms over `repeat` runs (after one warm-up), and the row count."""
    cur.execute(sql, params)
    rows = len(cur.fetchall())
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        cur.execute(sql, params)
        cur.fetchall()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))], rows


def search_figures(db_url: str, repeat: int, alternatives: bool = True) -> None:
    conn = psycopg2.connect(db_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SET max_parallel_workers_per_gather = 0")  # one core
        cur.execute("SELECT count(*) FROM articles")
        total = cur.fetchone()[0]
        print(f"\nsearch latency on {total:,} articles (ms, one core; {repeat} runs each)")
        print(f"{'query':<24}{'matches':>9}{'search_articles() median':>26}{'p95':>8}"
              f"{'every match ranked: median':>30}{'p95':>8}")
        for label, text in QUERIES:
            cur.execute(
                "SELECT count(*) FROM articles WHERE search_vector @@ websearch_to_tsquery('vietnamese', %s)",
                (text,),
            )
            matches = cur.fetchone()[0]
            median, p95, _ = timed(cur, "SELECT * FROM search_articles(%s)", (text,), repeat)
            # The same search with no cap on ranked candidates (max_ranked above any match count).
            all_median, all_p95, _ = timed(cur, "SELECT * FROM search_articles(%s, max_ranked => 100000000)",
                                           (text,), max(3, repeat // 4)) if alternatives else (nan, nan, 0)
            print(f"{label:<24}{matches:>9,}{median:>26.1f}{p95:>8.1f}{all_median:>30.1f}{all_p95:>8.1f}")
        if alternatives:
            print(f"{'alternative: LIKE':<24}{'matches':>9}{'vi_fold(body) LIKE median':>26}{'p95':>8}")
            for label, text in LIKE_QUERIES:
                pattern = "%" + text + "%"
                median, p95, rows = timed(cur, "SELECT id, title FROM articles WHERE vi_fold(body) LIKE %s"
                                               " ORDER BY published_at DESC LIMIT 20", (pattern,), 2)
                cur.execute("SELECT count(*) FROM articles WHERE vi_fold(body) LIKE %s", (pattern,))
                print(f"{label:<24}{cur.fetchone()[0]:>9,}{median:>26.1f}{p95:>8.1f}")
    conn.close()


def load_figures(db_url: str, rng: random.Random, pool: list[str], db_pid: int, new: int = 200) -> None:
    """Load `new` pages into a portal already holding its share of the corpus (a quarter of them copies of
    other portals' articles with another byline) and time it: wall, this process's CPU (the load stage's
    client side) and the PostgreSQL server's. The corpus is left as it was."""
    loaded = PORTALS[0]  # holds the articles n with n % len(PORTALS) == 0, i.e. ids 1, 31, 61, ...
    conn = psycopg2.connect(db_url)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*), max(id), (SELECT max(id) FROM stories) FROM articles")
        total, max_id, max_story = cur.fetchone()
        copies: dict[str, int] = {}  # url of a copy -> the stored article it copies
        for n in range(new):
            url = f"http://{loaded}.test/tin/new-{total}-{n}"
            if n % 4 == 0:
                copies[url] = rng.randint(1, max_id)
                while (copies[url] - 1) % len(PORTALS) == 0:  # another portal's article
                    copies[url] = rng.randint(1, max_id)
                cur.execute("SELECT title, body, published_at FROM articles WHERE id = %s", (copies[url],))
                title, body, published = cur.fetchone()
                article = {"title": title, "body": body + "\nPV", "published_at": published.isoformat()}
            else:
                a = synthetic_article(rng, pool, rng.randrange(10**9))
                article = {
                    "title": a["title"],
                    "body": a["body"],
                    "published_at": a["published_at"].isoformat(),
                }
            cur.execute("INSERT INTO raw_pages (portal, requested_url, url, canonical_url, status, html_gz,"
                        " content_sha256) VALUES (%s, %s, %s, %s, 200, '\\x00', %s) RETURNING id",
                        (loaded, url, url, url, hashlib.sha256(url.encode()).hexdigest()))
            cur.execute("INSERT INTO extractions (raw_page_id, extractor_version, ok, result)"
                        " VALUES (%s, 'bench', true, %s)", (cur.fetchone()[0], Json(article)))
    conn.commit()
    portal = Portal(id=loaded, name=loaded, base_url=f"http://{loaded}.test/",
                    start_urls=(f"http://{loaded}.test/",), article_url_pattern="/tin/")
    server = psutil.Process(db_pid)
    db_before, client_before, started = tree_cpu(server), time.process_time(), time.perf_counter()
    load_pending(db_url, portal)
    per_article = (time.perf_counter() - started) * 1000 / new
    client_cpu = (time.process_time() - client_before) * 1000 / new
    db_cpu = (tree_cpu(server) - db_before) * 1000 / new
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM articles a JOIN articles b ON b.story_id = a.story_id"
            " JOIN unnest(%s::text[], %s::bigint[]) AS c(url, original) ON c.url = a.url "
            "AND c.original = b.id",
            (list(copies), list(copies.values())),
        )
        joined = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM articles WHERE id > %s AND story_id IN"
                    " (SELECT story_id FROM articles WHERE id <= %s) AND NOT (url = ANY(%s))",
                    (max_id, max_id, list(copies)))
        false_joins = cur.fetchone()[0]
        probe = stories.minhash(synthetic_article(rng, pool, 1)["body"])
        started = time.perf_counter()
        cur.execute("SELECT article_id, minhash FROM story_signatures")
        best = max(stories.similarity(probe, row[1]) for row in cur.fetchall())
        all_pairs = (time.perf_counter() - started) * 1000
        del best
        # Leave the corpus as it was for the next checkpoint.
        cur.execute("DELETE FROM story_signatures WHERE article_id > %s", (max_id,))
        cur.execute("UPDATE articles SET story_id = NULL WHERE id > %s", (max_id,))
        cur.execute("DELETE FROM stories WHERE id > %s", (max_story,))
        cur.execute(
            "DELETE FROM article_urls WHERE portal = %s AND canonical_url LIKE '%%/tin/new-%%'", (loaded,)
        )
        cur.execute("DELETE FROM articles WHERE id > %s", (max_id,))
        cur.execute("DELETE FROM raw_pages WHERE portal = %s AND url LIKE '%%/tin/new-%%'", (loaded,))
    conn.commit()
    conn.close()
    # A copy of an original drawn twice is a same-portal duplicate of the first copy (an alias, no row).
    print(
        f"{total:>10,} stored  {per_article:>8.1f} ms/article (load stage wall; CPU: client {client_cpu:.1f}"
        f" + PostgreSQL {db_cpu:.1f} = {client_cpu + db_cpu:.1f} ms; {joined}/{len(set(copies.values()))}"
        f" copies of distinct originals joined their original's story, {false_joins} of {new - len(copies)}"
        f" new texts joined one)"
        f"   all pairs: {all_pairs:>8.1f} ms/article"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--checkpoints", default="10000",
                        help="comma-separated stored-article counts at which to measure, besides --articles")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument(
        "--no-alternatives",
        dest="alternatives",
        action="store_false",
        help="time search_articles() only (not uncapped ranking, not LIKE: minutes at 200,000)",
    )
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the database in DIR and reuse a corpus already built there (a smaller one"
                             " is grown to --articles)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = sentence_pool()
    print(f"corpus: {args.articles:,} synthetic articles from {len(pool)} real Vietnamese sentences"
          f" (tests/fixtures/sites), {len(PORTALS)} portals")
    with tempfile.TemporaryDirectory(prefix="portalnews-bench-") as tmp:
        pgdata = args.keep.resolve() if args.keep else Path(tmp) / "pg"
        server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
        try:
            embedded_db.ensure_database(server, "bench")
            db_url = server.url("bench")
            migrate(db_url)
            stored = _stored_articles(db_url)
            if stored == args.articles:
                print(f"\nreusing the corpus in {pgdata} (load figures skipped)")
                health_figures(db_url)
                size_figures(db_url)
            else:
                build_corpus(db_url, args, rng, pool, int((pgdata / "postmaster.pid").read_text().split()[0]),
                             grow_from=stored if 0 < stored < args.articles else 0)
            search_figures(db_url, args.repeat, args.alternatives)
        finally:
            embedded_db.stop(pgdata)
            if not args.keep:
                embedded_db.remove_cluster(pgdata)  # as root it may live in /var/lib/portalnews


def _stored_articles(db_url: str) -> int:
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM articles")
        count = cur.fetchone()[0]
    conn.close()
    return count


def build_corpus(
    db_url: str, args, rng: random.Random, pool: list[str], db_pid: int, grow_from: int = 0
) -> None:
    """Articles 0..--articles-1 (from `grow_from` when a kept corpus holds that many), measured at each
    checkpoint."""
    conn = psycopg2.connect(db_url)
    if not grow_from:
        with conn.cursor() as cur:
            cur.execute("TRUNCATE articles, stories, portals CASCADE")
            for portal in PORTALS:
                cur.execute("INSERT INTO portals (id, name, base_url) VALUES (%s, %s, %s)",
                            (portal, portal, f"http://{portal}.test/"))
        conn.commit()
    print("\nload stage with story assignment (MinHash LSH bands) vs all-pairs comparison")
    done, started = grow_from, time.perf_counter()
    checkpoints = {min(int(n), args.articles) for n in args.checkpoints.split(",") if n.strip()}
    for target in sorted(n for n in checkpoints | {args.articles} if n > grow_from):
        while done < target:
            step = min(10_000, target - done)
            bulk_insert(conn, rng, pool, done, done + step)
            done += step
        with conn.cursor() as cur:
            conn.autocommit = True
            cur.execute("VACUUM ANALYZE")
            conn.autocommit = False
        load_figures(db_url, rng, pool, db_pid)
        health_figures(db_url)
        size_figures(db_url)
        print(f"(corpus built so far in {time.perf_counter() - started:.0f} s)", flush=True)
    conn.close()


def health_figures(db_url: str, runs: int = 3) -> None:
    """The health DAG's computation over every portal (nothing stored), `runs` times."""
    portals = [Portal(id=p, name=p, base_url=f"http://{p}.test/", start_urls=(f"http://{p}.test/",),
                      article_url_pattern="/tin/") for p in PORTALS]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        health = compute_health(db_url, portals, store=False)
        times.append(time.perf_counter() - started)
    print(f"{'':>10}  health computation, {len(portals)} portals: "
          + ", ".join(f"{t:.2f}" for t in times) + f" s ({sum(h.articles_last_24h for h in health)} articles"
          f" in the last 24 h)")


def size_figures(db_url: str) -> None:
    """The database's size per article and the indexes' share of it (placeholder raw HTML: see above)."""
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM articles")
        articles = cur.fetchone()[0]
        cur.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid), pg_indexes_size(c.oid) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
            " ORDER BY 2 DESC"
        )
        tables = cur.fetchall()
        cur.execute("SELECT pg_database_size(current_database())")
        database = cur.fetchone()[0]
    conn.close()
    total, indexes = sum(t[1] for t in tables), sum(t[2] for t in tables)
    largest = ", ".join(f"{name} {size / articles:,.0f} B ({index / size:.0%} indexes)"
                        for name, size, index in tables[:4])
    print(f"{'':>10}  size: database {database / articles:,.0f} B/article, tables {total / articles:,.0f}"
          f" B/article of which indexes {indexes / total:.0%}; {largest}")


if __name__ == "__main__":
    main()
