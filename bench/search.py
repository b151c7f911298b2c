"""Benchmark: analysts' search, the load stage and the health computation as the corpus grows.

    python bench/search.py [--articles 200000] [--checkpoints 10000,200000] [--repeat 20] [--keep DIR]
                           [--load-repeats 3] [--no-alternatives]
    python bench/search.py --keep DIR_1M --compare-with DIR_10K [--load-repeats 5] [--statements]

Builds, on a throw-away embedded PostgreSQL with the real schema, N synthetic articles over 30 portals
(tests/support/synthetic_corpus.py: distinct titles, bodies from a pool of tens of thousands of
Vietnamese sentences naming officials and documents, a few per cent republished across portals, each
with every row the pipeline writes: raw page, extraction, URL, story, MinHash bands, facts), then
prints, in one run:

* at each of --checkpoints stored articles (and at N): the load stage's cost per article for loading
  200 new pages (a quarter of them copies of other portals' articles) into a populated portal,
  --load-repeats times (median and range), as wall time and as CPU of this process (the client) and
  of the PostgreSQL server, next to assigning stories by comparing a new article with every stored
  signature (all pairs); the health DAG's computation (`compute_health` over the 30 portals, nothing
  stored); the database's size per article and the share of it that is indexes;
* search latency of `search_articles()` (median and p95 over --repeat runs per query, one backend
  with parallel workers off, i.e. one core), next to the same search ranking every match (no
  `max_ranked` cap) and to what an analyst would otherwise type: `vi_fold(body) LIKE '%...%'`
  (a sequential scan).

Raw pages hold a one-byte placeholder instead of the gzipped HTML, so sizes count everything but the
HTML. Figures only: nothing is asserted. `--keep DIR` keeps the server's data in DIR: a later run with
the same DIR grows the corpus to --articles, or with the same --articles measures again without
rebuilding it. The load averages at start and end are printed (the machine may be shared).

`--compare-with DIR_10K` (with `--keep DIR_1M`, both corpora built by earlier runs) is the fair way to
compare the load stage's cost at two sizes on a shared machine: both servers run at once and the loads
alternate between them (10,000, 1,000,000, 10,000, ...; one warm-up each, not counted), so both sizes meet
the same load of the machine; it prints each size's median and range, the ratio of the medians (client and
PostgreSQL apart) and the ratios round by round, then health and size for both and search on DIR_1M.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
import warnings
from math import nan
from pathlib import Path

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402
import psycopg2  # noqa: E402
from psycopg2.extras import Json  # noqa: E402

from bench.throughput import tree_cpu  # noqa: E402
from portalnews.monitoring.health import compute_health  # noqa: E402
from portalnews.pipelines.load import load_pending, stories  # noqa: E402
from portalnews.registry import Portal  # noqa: E402
from portalnews.store import embedded as embedded_db  # noqa: E402
from portalnews.store.schema import migrate  # noqa: E402
from tests.support.synthetic_corpus import PORTALS, Corpus, write_articles  # noqa: E402

QUERIES = [  # (label, query): common and rare words, with and without diacritics, phrases
    ("phrase, no diacritics", "nghi quyet trung uong"),
    ("phrase, Vietnamese", "Nghị quyết Trung ương"),
    ("quoted phrase", '"ban chấp hành đảng bộ"'),
    ("two words", "chuyen doi so"),
    ("rare words", "tieng mong tieng dao"),
    ("one common word", "dang"),
]
LIKE_QUERIES = [("phrase, no diacritics", "nghi quyet trung uong"), ("rare words", "tieng mong, tieng dao")]
# Indexes built once after a bulk load rather than row by row during it (constraints' indexes stay).
BULK_TABLES = ("raw_pages", "extractions", "stories", "articles", "article_urls", "story_signatures",
               "story_bands", "article_facts", "document_mentions", "official_mentions")


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def timed(cur, sql: str, params, repeat: int, backend: psutil.Process | None = None) -> dict:
    """Over `repeat` runs (after one warm-up): the wall times in ms, the backend's CPU ms per run (when
    given its process: a figure other jobs on the machine move less), and the row count."""
    cur.execute(sql, params)
    rows = len(cur.fetchall())
    times, cpu = [], []
    for _ in range(repeat):
        cpu_before = sum(backend.cpu_times()[:2]) if backend else 0.0
        started = time.perf_counter()
        cur.execute(sql, params)
        cur.fetchall()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((sum(backend.cpu_times()[:2]) - cpu_before) * 1000 if backend else nan)
    return {"times": times, "cpu": cpu, "median": statistics.median(times), "p95": _p95(times), "rows": rows}


def search_figures(db_url: str, repeat: int, alternatives: bool = True) -> None:
    conn = psycopg2.connect(db_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SET max_parallel_workers_per_gather = 0")  # one core
        cur.execute("SELECT count(*), pg_backend_pid() FROM articles")
        total, backend_pid = cur.fetchone()
        backend = psutil.Process(backend_pid)  # the server runs on this machine
        print(f"\nsearch latency on {total:,} articles (ms, one core; {repeat} runs each); load average"
              f" {_load_average()}")
        print(f"{'query':<24}{'matches':>9}{'search_articles() median':>26}{'p95':>8}"
              f"{'backend CPU median':>19}{'p95':>7}{'every match ranked: median':>30}{'p95':>8}")
        every_time, every_cpu = [], []
        for label, text in QUERIES:
            # Counted up to 100,000 (search_articles_count, 0013): counting every match of a broad query
            # reads every article's search vector, minutes at 1,000,000.
            cur.execute("SELECT search_articles_count(%s, cap => 100000)", (text,))
            matches = cur.fetchone()[0]
            run = timed(cur, "SELECT * FROM search_articles(%s)", (text,), repeat, backend)
            every_time += run["times"]
            every_cpu += run["cpu"]
            # The same search with no cap on ranked candidates (max_ranked above any match count).
            uncapped = timed(cur, "SELECT * FROM search_articles(%s, max_ranked => 100000000)", (text,),
                             max(3, repeat // 4)) if alternatives else {"median": nan, "p95": nan}
            capped = "+" if matches == 100_000 else " "
            print(f"{label:<24}{matches:>9,}{capped}{run['median']:>25.1f}{run['p95']:>8.1f}"
                  f"{statistics.median(run['cpu']):>19.1f}{_p95(run['cpu']):>7.1f}"
                  f"{uncapped['median']:>30.1f}{uncapped['p95']:>8.1f}")
        print(f"{'all six queries':<33}{statistics.median(every_time):>26.1f}{_p95(every_time):>8.1f}"
              f"{statistics.median(every_cpu):>19.1f}{_p95(every_cpu):>7.1f}"
              f"   (load average {_load_average()})")
        if alternatives:
            print(f"{'alternative: LIKE':<24}{'matches':>9}{'vi_fold(body) LIKE median':>26}{'p95':>8}")
            for label, text in LIKE_QUERIES:
                pattern = "%" + text + "%"
                run = timed(cur, "SELECT id, title FROM articles WHERE vi_fold(body) LIKE %s"
                                 " ORDER BY published_at DESC LIMIT 20", (pattern,), 2)
                cur.execute("SELECT count(*) FROM articles WHERE vi_fold(body) LIKE %s", (pattern,))
                print(f"{label:<24}{cur.fetchone()[0]:>9,}{run['median']:>26.1f}{run['p95']:>8.1f}")
    conn.close()


def _loaded_portal() -> Portal:
    loaded = PORTALS[0]  # holds the articles n with n % len(PORTALS) == 0, i.e. ids 1, 31, 61, ...
    return Portal(id=loaded, name=loaded, base_url=f"http://{loaded}.test/",
                  start_urls=(f"http://{loaded}.test/",), article_url_pattern="/tin/")


def _corpus_state(db_url: str) -> tuple[int, int, int, int]:
    """Stored articles and the last ids before any measured load: what the loads add comes after them."""
    (state,) = _query(db_url, "SELECT count(*), max(id), (SELECT max(id) FROM stories),"
                              " (SELECT max(id) FROM raw_pages) FROM articles")
    return state


def _load_once(db_url: str, corpus: Corpus, rng: random.Random, server: psutil.Process, state: tuple,
               repeat: int, new: int = 200, reset_statements: bool = False) -> tuple[float, float, float]:
    """One load of `new` pages (the `repeat`-th, 0 being the warm-up): prints its line and returns (wall,
    client CPU, PostgreSQL CPU) ms per article."""
    portal = _loaded_portal()
    loaded = portal.id
    total, max_id = state[:2]
    conn = psycopg2.connect(db_url)
    with conn.cursor() as cur:
        cur.execute("SELECT max(id) FROM articles")
        before = cur.fetchone()[0]  # the articles this load adds come after it
        copies: dict[str, int] = {}  # url of a copy -> the stored article it copies
        for n in range(new):
            url = f"http://{loaded}.test/tin/new-{total}-{repeat}-{n}"
            if n % 4 == 0:
                copies[url] = rng.randint(1, max_id)
                while (copies[url] - 1) % len(PORTALS) == 0:  # another portal's article
                    copies[url] = rng.randint(1, max_id)
                cur.execute("SELECT title, body, published_at FROM articles WHERE id = %s", (copies[url],))
                title, body, published = cur.fetchone()
                article = {"title": title, "body": body + "\nPV", "published_at": published.isoformat()}
            else:  # a new text: numbers past the corpus's own give titles no stored article has
                a = corpus.article(10**8 + total * 10 + repeat * new + n, rng)
                article = {"title": a["title"], "sapo": a["sapo"], "body": a["body"],
                           "published_at": a["published_at"].isoformat()}
            cur.execute("INSERT INTO raw_pages (portal, requested_url, url, canonical_url, status,"
                        " html_gz, content_sha256) VALUES (%s, %s, %s, %s, 200, '\\x00', %s)"
                        " RETURNING id",
                        (loaded, url, url, url, hashlib.sha256(url.encode()).hexdigest()))
            cur.execute("INSERT INTO extractions (raw_page_id, extractor_version, ok, result)"
                        " VALUES (%s, 'bench', true, %s)", (cur.fetchone()[0], Json(article)))
    conn.commit()
    if reset_statements:
        _query(db_url, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        _query(db_url, "SELECT pg_stat_statements_reset()")
    db_before, client_before, started = tree_cpu(server), time.process_time(), time.perf_counter()
    load_pending(db_url, portal)
    measured = ((time.perf_counter() - started) * 1000 / new,
                (time.process_time() - client_before) * 1000 / new,
                (tree_cpu(server) - db_before) * 1000 / new)
    with conn.cursor() as cur:
        # Each copy by the article its URL now leads to: its own new row, or an article the portal already
        # had (an original drawn again, in this load or an earlier one still stored, is the same text as
        # the first copy: a same-portal duplicate, stored as an alias of that copy, no new row).
        cur.execute(
            "SELECT count(*) FILTER (WHERE a.url = c.url AND a.story_id = o.story_id),"
            " count(*) FILTER (WHERE a.url <> c.url AND a.story_id = o.story_id)"
            " FROM unnest(%s::text[], %s::bigint[]) AS c(url, original) JOIN articles o ON o.id = c.original"
            " LEFT JOIN article_urls u ON u.portal = %s AND u.canonical_url = c.url"
            " LEFT JOIN articles a ON a.id = u.article_id",
            (list(copies), list(copies.values()), loaded),
        )
        joined, duplicates = cur.fetchone()
        cur.execute("SELECT count(*) FROM articles WHERE id > %s AND story_id IN"
                    " (SELECT story_id FROM articles WHERE id <= %s) AND NOT (url = ANY(%s))",
                    (before, max_id, list(copies)))
        false_joins = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM document_mentions WHERE article_id > %s", (before,))
        documents = cur.fetchone()[0]
    conn.commit()
    conn.close()
    wall, client, db = measured
    apart = len(copies) - joined - duplicates  # neither: a copy that failed to join its original's story
    print(f"{total:>10,} stored  load {new} pages: {wall:.1f} ms/article wall; CPU client {client:.2f}"
          f" + PostgreSQL {db:.2f} = {client + db:.2f} ms/article; {len(copies)} copies: {joined} joined"
          f" their original's story as new articles, {duplicates} as another URL of a copy stored before"
          f" (an alias), {apart} apart; {false_joins} of {new - len(copies)} new texts"
          f" joined one; {documents} document mentions stored{'' if repeat else ' (warm-up)'}",
          flush=True)
    return measured


def _load_summary(figures: list[tuple[float, float, float]]) -> str:
    cpu = sorted(client + db for _, client, db in figures)
    return (f"median {statistics.median(cpu):.2f}, range {cpu[0]:.2f}-{cpu[-1]:.2f} (client median"
            f" {statistics.median(c for _, c, _ in figures):.2f}, PostgreSQL median"
            f" {statistics.median(d for _, _, d in figures):.2f})")


def load_figures(db_url: str, corpus: Corpus, rng: random.Random, db_pid: int, new: int = 200,
                 repeats: int = 3, statements: bool = False, alternatives: bool = True) -> None:
    """Load `new` pages into a portal already holding its share of the corpus (a quarter of them copies of
    other portals' articles with another byline), `repeats` times after a load that warms the server's
    cache up: wall time, this process's CPU (the load stage's client side) and the PostgreSQL server's.
    The loads stay until the last one (deleting between them would leave dead index entries for the next
    to read); then the corpus is left as it was and vacuumed."""
    server, state = psutil.Process(db_pid), _corpus_state(db_url)
    figures = []  # (wall, client CPU, PostgreSQL CPU) ms per article
    for repeat in range(repeats + 1):  # the first load warms the server's cache up and is not counted
        measured = _load_once(db_url, corpus, rng, server, state, repeat, new,
                              reset_statements=statements and repeat == 1)  # the measured loads only
        if repeat:
            figures.append(measured)
    print(f"{'':>10}  load stage CPU (client + PostgreSQL) ms/article over {repeats} loads:"
          f" {_load_summary(figures)}")
    if statements:
        _print_statements(db_url, new * repeats)
    if alternatives:
        _all_pairs(db_url, corpus, rng)
    _restore(db_url, state)


def paired_load_figures(sides: list[tuple[str, str, int]], corpus: Corpus, rng: random.Random,
                        new: int = 200, repeats: int = 5, statements: bool = False) -> None:
    """The loads of `load_figures` on two corpora (label, url, server pid), alternating between them
    (first, second, first, ...; one warm-up each, not counted): both under the same load of the machine.
    Prints each side's median and range, the ratio of the medians and the ratios round by round."""
    states = {label: _corpus_state(url) for label, url, _ in sides}
    servers = {label: psutil.Process(pid) for label, _, pid in sides}
    figures: dict[str, list] = {label: [] for label, _, _ in sides}
    print(f"\nload stage, {repeats} loads of {new} pages on each corpus, alternating; load average"
          f" {_load_average()}", flush=True)
    for repeat in range(repeats + 1):
        for label, url, _ in sides:
            measured = _load_once(url, corpus, rng, servers[label], states[label], repeat, new,
                                  reset_statements=statements and repeat == 1)
            if repeat:
                figures[label].append(measured)
    print(f"load average {_load_average()}")
    for label, _, _ in sides:
        print(f"{label:>10}  load stage CPU (client + PostgreSQL) ms/article over {repeats} loads:"
              f" {_load_summary(figures[label])}")
    (first, *_), (second, *_) = sides
    cpu = {label: [client + db for _, client, db in figures[label]] for label in figures}
    rounds = sorted(b / a for a, b in zip(cpu[first], cpu[second], strict=True))
    parts = [statistics.median(f[i] for f in figures[second])
             / statistics.median(f[i] for f in figures[first]) for i in (1, 2)]
    ratio = statistics.median(cpu[second]) / statistics.median(cpu[first])
    print(f"{'':>10}  {second} / {first}: {ratio:.2f}x"
          f" (medians; client {parts[0]:.2f}x, PostgreSQL {parts[1]:.2f}x); round by round median"
          f" {statistics.median(rounds):.2f}x, range {rounds[0]:.2f}-{rounds[-1]:.2f}x")
    for label, url, _ in sides:
        if statements:
            print(f"{label:>10}  statements:")
            _print_statements(url, new * repeats)
        _restore(url, states[label])


def _restore(db_url: str, state: tuple) -> None:
    """Leave the corpus as it was before the loads: the rows added, each table by its key; then vacuum."""
    _, max_id, max_story, max_page = state
    conn = psycopg2.connect(db_url)
    with conn.cursor() as cur:
        # The foreign keys' triggers are skipped: article_urls.article_id and stories.first_article_id
        # have no index, so each deleted article would read both tables.
        cur.execute("SET LOCAL session_replication_role = replica")
        for table, column, last in [("story_signatures", "article_id", max_id),
                                    ("story_bands", "article_id", max_id),  # a scan: seconds at 1,000,000
                                    ("document_mentions", "article_id", max_id),
                                    ("official_mentions", "article_id", max_id),
                                    ("article_facts", "article_id", max_id),
                                    ("articles", "id", max_id), ("stories", "id", max_story),
                                    ("extractions", "raw_page_id", max_page),
                                    ("raw_pages", "id", max_page)]:
            cur.execute(f"DELETE FROM {table} WHERE {column} > %s", (last,))
        cur.execute(
            "DELETE FROM article_urls WHERE portal = %s AND canonical_url LIKE '%%/tin/new-%%'",
            (_loaded_portal().id,)
        )
    conn.commit()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM story_signatures, story_bands, articles, article_urls, stories, extractions,"
                    " raw_pages, article_facts, document_mentions, official_mentions")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--checkpoints", default="10000",
                        help="comma-separated stored-article counts at which to measure, besides --articles")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--load-repeats", type=int, default=3,
                        help="loads of 200 pages at each checkpoint (median and range)")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--statements", action="store_true",
                        help="print the load's statements by PostgreSQL time (restarts the server with"
                             " pg_stat_statements)")
    parser.add_argument("--workers", type=int, default=2,
                        help="processes making the corpus's rows while this one copies them in")
    parser.add_argument(
        "--no-alternatives",
        dest="alternatives",
        action="store_false",
        help="time search_articles() only (not uncapped ranking, not LIKE: minutes at 200,000), and no"
             " all-pairs story comparison",
    )
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the database in DIR and reuse a corpus already built there (a smaller one"
                             " is grown to --articles)")
    parser.add_argument("--shared-buffers", metavar="SIZE",
                        help="with --compare-with: both servers restarted with this shared_buffers (e.g. 3GB)"
                             " instead of the embedded server's own (an eighth of the memory), and --prewarm")
    parser.add_argument("--prewarm", action="store_true",
                        help="with --compare-with: the load stage's tables' indexes read into the cache first"
                             " (pg_prewarm), as a server running for long would hold them if they fit")
    parser.add_argument("--compare-with", type=Path, metavar="DIR",
                        help="with --keep: alternate the load stage's loads between the corpus kept in DIR"
                             " and the one in --keep (both already built), --load-repeats each, and print"
                             " their ratio; then search and health on --keep's")
    args = parser.parse_args()
    if args.compare_with:
        if not args.keep:
            parser.error("--compare-with needs --keep")
        return compare(args)
    rng = random.Random(args.seed)
    corpus = Corpus(args.seed)
    print(f"corpus: {args.articles:,} synthetic articles over {len(PORTALS)} portals, bodies from"
          f" {len(corpus.pool):,} sentences ({corpus.fixture_sentences} of them real, tests/fixtures/sites)")
    print(f"load average at start: {_load_average()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="portalnews-bench-") as tmp:
        pgdata = args.keep.resolve() if args.keep else Path(tmp) / "pg"
        server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
        try:
            embedded_db.ensure_database(server, "bench")
            db_url = server.url("bench")
            if args.statements:
                _query(db_url, "ALTER SYSTEM SET shared_preload_libraries = 'pg_prewarm, pg_stat_statements'")
                embedded_db.stop(pgdata)
                server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
                db_url = server.url("bench")
            migrate(db_url)
            stored = _stored_articles(db_url)
            db_pid = int((pgdata / "postmaster.pid").read_text().split()[0])
            if stored == args.articles:
                print(f"\nreusing the corpus in {pgdata}")
                _query(db_url, "VACUUM ANALYZE")  # what an earlier run left behind
                _query(db_url, "CHECKPOINT")
                load_figures(db_url, corpus, rng, db_pid, repeats=args.load_repeats,
                             statements=args.statements, alternatives=args.alternatives)
                health_figures(db_url)
                size_figures(db_url)
            else:
                build_corpus(db_url, args, corpus, rng, db_pid,
                             grow_from=stored if 0 < stored < args.articles else 0)
            search_figures(db_url, args.repeat, args.alternatives)
        finally:
            embedded_db.stop(pgdata)
            if not args.keep:
                embedded_db.remove_cluster(pgdata)  # as root it may live in /var/lib/portalnews
    print(f"load average at end: {_load_average()}")


def _open(pgdata: Path, statements: bool, shared_buffers: str | None = None) -> tuple[str, int]:
    """Start the embedded server kept in `pgdata` (with pg_stat_statements, another shared_buffers if
    asked, else the embedded server's own settings), migrate its database, wait until the pages its cache
    held at its last shutdown are read back in (pg_prewarm's worker, as after any restart); return its
    URL and the server's pid."""
    server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
    embedded_db.ensure_database(server, "bench")
    db_url = server.url("bench")
    wanted = {"shared_preload_libraries": "pg_prewarm, pg_stat_statements" if statements else None,
              "shared_buffers": shared_buffers}
    for name, value in wanted.items():  # None: the embedded server's own (portalnews.conf)
        _query(db_url, f"ALTER SYSTEM SET {name} = %s" if value else f"ALTER SYSTEM RESET {name}",
               (value,) if value else ())
    _query(db_url, "SELECT pg_reload_conf()")
    time.sleep(0.5)
    if _query(db_url, "SELECT bool_or(pending_restart) FROM pg_settings")[0][0]:
        embedded_db.stop(pgdata)
        server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
        db_url = server.url("bench")
    migrate(db_url)
    started, deadline = time.monotonic(), time.monotonic() + 900
    prewarming = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autoprewarm worker'"
    while _query(db_url, prewarming)[0][0]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{pgdata}: the cache was still being read back in after 900 s")
        time.sleep(0.5)
    if time.monotonic() - started > 1:
        print(f"{pgdata}: cache read back in {time.monotonic() - started:.0f} s after the start", flush=True)
    return db_url, int((pgdata / "postmaster.pid").read_text().split()[0])


def compare(args) -> None:
    """--compare-with: both kept corpora open at once, their loads alternating (see paired_load_figures)."""
    rng, corpus = random.Random(args.seed), Corpus(args.seed)
    print(f"load average at start: {_load_average()}", flush=True)
    dirs = [args.compare_with.resolve(), args.keep.resolve()]
    try:
        sides = []
        for pgdata in dirs:
            db_url, db_pid = _open(pgdata, args.statements, args.shared_buffers)
            stored = _stored_articles(db_url)
            if not stored:
                raise SystemExit(f"no corpus in {pgdata}: build it first (--keep {pgdata})")
            _query(db_url, "VACUUM ANALYZE")  # what an earlier run left behind
            _query(db_url, "CHECKPOINT")
            print(f"shared_buffers {_query(db_url, 'SHOW shared_buffers')[0][0]}", flush=True)
            if args.prewarm or args.shared_buffers:  # as a server running for long would hold them
                _query(db_url, "CREATE EXTENSION IF NOT EXISTS pg_prewarm")
                (size,), = _query(db_url, "SELECT sum(pg_prewarm(i.indexrelid)) * 8192 / 2^20"
                                          " FROM pg_index i WHERE i.indrelid::regclass::text = ANY(%s)",
                                  (list(BULK_TABLES),))
                print(f"{size:,.0f} MB of the load stage's tables' indexes read into shared_buffers")
            sides.append((f"{stored:,}", db_url, db_pid))
            print(f"{stored:,} articles in {pgdata}", flush=True)
        if sides[0][0] == sides[1][0]:  # two corpora of one size (e.g. with and without an index): by name
            sides = [(f"{label} {pgdata.name}", *rest)
                     for (label, *rest), pgdata in zip(sides, dirs, strict=True)]
        paired_load_figures(sides, corpus, rng, repeats=args.load_repeats, statements=args.statements)
        for label, db_url, _ in sides:
            print(f"{label:>10}  (health and size)")
            health_figures(db_url)
            size_figures(db_url)
        search_figures(sides[-1][1], args.repeat, args.alternatives)
    finally:
        for _, db_url, _ in sides:  # the kept corpora are left with the embedded server's own settings
            _query(db_url, "ALTER SYSTEM RESET shared_buffers")
            _query(db_url, "ALTER SYSTEM RESET shared_preload_libraries")
        for pgdata in dirs:
            embedded_db.stop(pgdata)
    print(f"load average at end: {_load_average()}")


def _all_pairs(db_url: str, corpus: Corpus, rng: random.Random) -> None:
    """The alternative to band lookups: one new article compared with every stored signature."""
    conn = psycopg2.connect(db_url)
    with conn.cursor(name="signatures") as cur:  # streamed: a million signatures do not fit in memory
        cur.itersize = 20_000
        probe = stories.minhash(corpus.article(1, rng)["body"])
        started = time.perf_counter()
        cur.execute("SELECT article_id, minhash FROM story_signatures")
        max(stories.similarity(probe, row[1]) for row in cur)
        print(f"{'':>10}  alternative, all pairs: {(time.perf_counter() - started) * 1000:.1f} ms/article")
    conn.close()


def _query(db_url: str, sql: str, params=()) -> list[tuple]:
    conn = psycopg2.connect(db_url)
    conn.autocommit = True  # ALTER SYSTEM runs outside a transaction
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def _print_statements(db_url: str, articles: int, top: int = 12) -> None:
    """The statements of the loads above by PostgreSQL time (pg_stat_statements): where the time goes."""
    rows = _query(db_url, "SELECT total_exec_time, calls, rows, shared_blks_hit + shared_blks_read,"
                          " shared_blks_read, wal_fpi, wal_bytes,"
                          " left(regexp_replace(query, '\\s+', ' ', 'g'), 150)"
                          " FROM pg_stat_statements WHERE query NOT ILIKE '%%pg_stat_statements%%'"
                          " ORDER BY total_exec_time DESC LIMIT %s", (top,))
    print(f"{'':>10}  statements by PostgreSQL time (ms/article, calls, rows, buffers per call, read,"
          " full-page images written to the WAL per call, WAL kB per call):")
    for total, calls, count, buffers, read, fpi, wal, text in rows:
        print(f"{'':>12}{total / articles:7.3f} {calls:6} {count:8} {buffers / calls:9.0f} {read:7}"
              f" {fpi / calls:6.0f} {float(wal) / calls / 1024:7.0f}  {text}")


def _load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in psutil.getloadavg())


def _stored_articles(db_url: str) -> int:
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM articles")
        count = cur.fetchone()[0]
    conn.close()
    return count


def _drop_indexes(conn) -> list[str]:
    """Drop the bulk tables' indexes that back no constraint; return their definitions."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " WHERE i.indrelid::regclass::text = ANY(%s) AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            (list(BULK_TABLES),),
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {name}")
    conn.commit()
    return [definition for _, definition in indexes]


def build_corpus(db_url: str, args, corpus: Corpus, rng: random.Random, db_pid: int,
                 grow_from: int = 0) -> None:
    """Articles 0..--articles-1 (from `grow_from` when a kept corpus holds that many), measured at each
    checkpoint. Indexes are dropped while a step's rows are copied in, and built again before measuring."""
    conn = psycopg2.connect(db_url)
    if not grow_from:
        with conn.cursor() as cur:
            cur.execute("TRUNCATE articles, stories, portals, raw_pages CASCADE")
            for portal in PORTALS:
                cur.execute("INSERT INTO portals (id, name, base_url) VALUES (%s, %s, %s)",
                            (portal, portal, f"http://{portal}.test/"))
        conn.commit()
    print("\nload stage with story assignment (MinHash LSH bands) vs all-pairs comparison")
    done, started = grow_from, time.perf_counter()
    checkpoints = {min(int(n), args.articles) for n in args.checkpoints.split(",") if n.strip()}
    for target in sorted(n for n in checkpoints | {args.articles} if n > grow_from):
        indexes = _drop_indexes(conn)
        copies = 0
        while done < target:
            step = min(50_000, target - done)
            copies += write_articles(conn, corpus, done, done + step, workers=args.workers)["copies"]
            done += step
            print(f"  {done:,} articles written ({time.perf_counter() - started:.0f} s)", flush=True)
        index_started = time.perf_counter()
        with conn.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '512MB'")
            for definition in indexes:
                cur.execute(definition)
        conn.commit()
        with conn.cursor() as cur:
            conn.autocommit = True
            cur.execute("VACUUM ANALYZE")
            cur.execute("CHECKPOINT")  # the bulk load's dirty pages written now, not during a measurement
            conn.autocommit = False
        print(f"{'':>10}  built to {done:,} articles ({copies:,} of the new ones republished copies) in"
              f" {time.perf_counter() - started:.0f} s, indexes {time.perf_counter() - index_started:.0f} s;"
              f" load average {_load_average()}", flush=True)
        load_figures(db_url, corpus, rng, db_pid, repeats=args.load_repeats, statements=args.statements,
                     alternatives=args.alternatives)
        health_figures(db_url)
        size_figures(db_url)
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
