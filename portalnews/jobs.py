"""The pipeline's steps for one portal, shared by `portalnews run` and the Airflow DAGs.

    start_run -> crawl (Scrapy in a subprocess) -> clean -> load -> finish_run (report, alerts)

Each step reads and writes PostgreSQL only, so any step can be retried on its own.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import psycopg2
from psycopg2.extras import Json

from portalnews.config import home
from portalnews.pipelines.clean import clean_pending, cleaning_alongside
from portalnews.pipelines.load import load_pending, loading_alongside
from portalnews.processes import die_with_parent, scratch_directory
from portalnews.registry import Portal
from portalnews.spiders.crawl_stats import stat, summarize_crawl
from portalnews.store import runs
from portalnews.store.db import transaction
from portalnews.store.locks import PortalBusy, portal_lock
from portalnews.store.schema import register_portals, require_current_schema
from portalnews.store.spool import drain_spool, spool_dir, spool_path

log = logging.getLogger(__name__)

SCRAPY_SETTINGS_MODULE = "portalnews.spiders.settings"

# Share of cleaned pages that must have a date / a body for a run not to count as drift.
DRIFT_MIN_PAGES = 5
DRIFT_MIN_DATED_SHARE = 0.5
DRIFT_MAX_FAILED_SHARE = 0.5


class CrawlError(RuntimeError):
    """The crawl process itself failed (not single pages: those are counted and retried)."""


class PortalAlert(RuntimeError):
    """A run that completed but looks wrong: zero yield or extraction drift. Fails the DAG run."""


# The database stopped answering (after the connection retries of store/db.py).
DATABASE_DOWN = (psycopg2.OperationalError, psycopg2.InterfaceError)


def start_run(db_url: str, portal: Portal, trigger: str = "cli", airflow_run_id: str | None = None) -> int:
    """Open the run's crawl_runs row (an Airflow run's retries reopen the same row), after closing
    earlier runs of the portal whose process died. The schema must be current: runs never migrate."""
    require_current_schema(db_url)
    register_portals(db_url, [portal])
    run_id = runs.open_run(db_url, portal.id, trigger, airflow_run_id)
    close_dead_runs(db_url, [portal.id], keep_run_id=run_id)
    return run_id


def close_dead_runs(
    db_url: str, portal_ids: list[str] | None = None, keep_run_id: int | None = None
) -> list[dict]:
    """Close as failed the `running` rows whose task died (killed, OOM, machine lost), with the reason."""
    return runs.close_dead_runs(db_url, portal_ids, keep_run_id=keep_run_id)


def _scrapy_crawl(spider: str, arguments: dict[str, str], settings: dict[str, str], env: dict[str, str],
                  on_line: Callable[[str], None] | None,
                  on_start: Callable[[subprocess.Popen], None] | None = None) -> tuple[int, list[str]]:
    """Run `scrapy crawl SPIDER` in its own process (Twisted's reactor cannot restart in one process).

    The Scrapy project is found through SCRAPY_SETTINGS_MODULE, not a scrapy.cfg, so this works from
    any directory and from an installed (non-editable) package. Returns the exit code and the last lines.
    """
    command = [sys.executable, "-m", "portalnews.spiders.scrapy_crawl", spider]  # without Scrapy's commands
    for key, value in arguments.items():
        command += ["-a", f"{key}={value}"]
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE=SCRAPY_SETTINGS_MODULE, **env)
    log.info("running %s", " ".join(command[1:]))
    tail: list[str] = []
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          bufsize=1, preexec_fn=die_with_parent) as proc:
        assert proc.stdout is not None
        if on_start:
            on_start(proc)
        for line in proc.stdout:
            line = line.rstrip()
            tail = (tail + [line])[-40:]
            (on_line or log.info)(line)
    return proc.returncode, tail


def _crawl_exit_reason(portal_id: str, code: int, tail: list[str]) -> str:
    """One line saying why the Scrapy child ended without its figures; its last lines go to the log."""
    log.error("last lines of the crawl of %s:\n%s", portal_id, "\n".join(tail))
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else f"signal {-code}"
        return (f"the Scrapy crawl of {portal_id} was killed by {name} "
                "(out of memory, or stopped by someone); "
                "pages fetched before are stored, the next run fetches the rest")
    errors = [line for line in tail if "ERROR" in line or "Error" in line]
    errors = errors or [line for line in tail if line.strip()]
    last = " ".join(errors[-1].split())[:300] if errors else "no output"
    return f"the Scrapy crawl of {portal_id} exited with code {code}: {last}"


def _registry_argument(registry_files: list[Path] | tuple[Path, ...]) -> dict[str, str]:
    # The spider is given every registry file explicitly, so it never reads PORTALNEWS_REGISTRY itself.
    return (
        {"registry": os.pathsep.join(str(Path(f).resolve()) for f in registry_files)}
        if registry_files
        else {}
    )


def crawl(
    db_url: str,
    portal: Portal,
    run_id: int | None,
    registry_files: list[Path] | tuple[Path, ...] = (),
    backfill: bool = False,
    since: str | None = None,
    on_line: Callable[[str], None] | None = None,
    revisit: bool = False,
    max_listing_pages: int | None = None,
    from_archive: str | None = None,
    until: str | None = None,
    archive_delay: float | None = None,
) -> dict:
    """Crawl one portal into raw_pages; return the crawl's figures. `revisit` re-fetches every known
    article (published since `since`) besides those the portal's revisit schedule makes due.
    `from_archive` (a Wayback-compatible replay prefix) backfills from the archive's captures made
    between `since` and `until` instead of the portal (spiders/archive_spider.py).

    Pages already fetched are in raw_pages even if this raises.
    """
    with portal_lock(db_url, portal.id) as held:  # one crawl per portal at a time; PortalBusy otherwise
        figures = _crawl_locked(db_url, portal, run_id, registry_files, backfill, since, on_line, revisit,
                                max_listing_pages, held,
                                {"archive": from_archive, "until": until, "delay": archive_delay})
    if held.lost.is_set():
        raise CrawlError(f"the database restarted mid-crawl and another run of {portal.id} took its lock: "
                         "this "
                         f"crawl stopped ({figures.get('pages_stored', 0)} pages stored); that run goes on")
    return figures


def _crawl_locked(db_url, portal, run_id, registry_files, backfill, since, on_line, revisit,
                  max_listing_pages, held, archive: dict) -> dict:
    drained = drain_spool(db_url, portal.id)
    if drained.stored:
        log.info("stored %d pages spooled by an earlier run while the database was down", drained.stored)
    spider = "archive" if archive["archive"] else "portal"
    backfill = backfill or spider == "archive"
    jobdir = home() / "jobs" / (f"{portal.id}-archive" if spider == "archive" else f"{portal.id}-backfill")
    with scratch_directory(home() / "tmp", "crawl-") as tmp:
        stats_file = Path(tmp) / "stats.json"
        arguments = {"portal": portal.id, "stats_file": str(stats_file), **_registry_argument(registry_files)}
        settings: dict[str, str] = {}
        if run_id is not None:
            arguments["run_id"] = str(run_id)
        if backfill:
            arguments["backfill"] = "1"
            # Scrapy's JOBDIR persists the request queue: an interrupted backfill resumes where it stopped.
            settings["JOBDIR"] = str(jobdir)
        if since:
            arguments["since"] = since
        if revisit:
            arguments["revisit"] = "1"
        if max_listing_pages:  # how deep to page through listings (a backfill's depth)
            arguments["max_pages"] = str(max_listing_pages)
        arguments.update({key: str(value) for key, value in archive.items() if value is not None})
        # Lock lost in a database restart: SIGTERM, Scrapy's clean stop (what was fetched is stored).
        code, tail = _scrapy_crawl(spider, arguments, settings, {"DATABASE_URL": db_url}, on_line,
                                   on_start=lambda proc: held.when_lost(proc.terminate))
        if held.lost.is_set() and stats_file.exists():
            return summarize_crawl(json.loads(stats_file.read_text(encoding="utf-8")), drained.quarantined)
        if code != 0 or not stats_file.exists():
            raise CrawlError(_crawl_exit_reason(portal.id, code, tail))
        raw = json.loads(stats_file.read_text(encoding="utf-8"))
    fatal = raw.get(stat("fatal"))
    if fatal:
        raise CrawlError(f"crawl of {portal.id} did not start: {fatal}")
    if backfill and raw.get("finish_reason") == "finished":
        shutil.rmtree(jobdir, ignore_errors=True)
    return summarize_crawl(raw, drained.quarantined)


def check(portal: Portal, registry_files: list[Path] | tuple[Path, ...] = (), max_pages: int = 3,
          on_line: Callable[[str], None] | None = None) -> dict:
    """What the portal's registry entry discovers, and one cleaned article (`portalnews check`).

    Runs the crawl's own discovery (spiders/check.py); nothing is stored and no database is needed.
    """
    with tempfile.TemporaryDirectory(prefix="portalnews-check-") as tmp:
        report_file = Path(tmp) / "report.json"
        arguments = {"portal": portal.id, "max_pages": str(max_pages), "report_file": str(report_file),
                     **_registry_argument(registry_files)}
        code, tail = _scrapy_crawl("portal_check", arguments, {}, {}, on_line or (lambda _line: None))
        if code != 0 or not report_file.exists():
            raise CrawlError(
                f"scrapy crawl portal_check for {portal.id} exited with {code}:\n" + "\n".join(tail)
            )
        return json.loads(report_file.read_text(encoding="utf-8"))


def clean(db_url: str, portal: Portal, since: datetime | None = None) -> dict:
    return clean_pending(db_url, portal, since=since).as_dict()


def load(db_url: str, portal: Portal) -> dict:
    return load_pending(db_url, portal).as_dict()


def _pages_not_stored(portal: Portal, crawl_stats: dict) -> str | None:
    """Fetched pages that are in neither raw_pages nor the spool: never a silent success."""
    refused, lost = crawl_stats.get("pages_quarantined", 0), crawl_stats.get("pages_lost", 0)
    cut = crawl_stats.get("spool_lines_quarantined", 0)
    parts = []
    if refused:
        parts.append(f"{refused} refused by the database (kept in {spool_dir() / 'quarantine'} and recorded "
                     "in fetch_failures with the reason: fetched again next run)")
    if lost:
        parts.append(f"{lost} neither stored nor spooled (see the crawl log)")
    if cut:
        parts.append(f"{cut} spooled by an earlier run and cut by a crash "
                     f"(kept in {spool_dir() / 'quarantine'}; "
                     "fetched again when their URL survived, or found again on their listings)")
    return f"fetched pages of {portal.id} not stored: " + "; ".join(parts) if parts else None


def check_alerts(portal: Portal, crawl_stats: dict, clean_stats: dict) -> str | None:
    """Why this run should alert, or None. Zero yield: no article link discovered at all (or fewer
    than the portal's min_articles_per_run), which is how a template change or a dead portal shows."""
    found = crawl_stats.get("article_links_found", 0)
    not_modified = crawl_stats.get("responses_304", 0)
    if not_stored := _pages_not_stored(portal, crawl_stats):
        return not_stored
    if found == 0 and not_modified == 0:
        return (
            f"zero yield: no article links discovered on {portal.id} "
            f"({crawl_stats.get('requests', 0)} requests, {crawl_stats.get('index_errors', 0)} "
            "listing/feed/sitemap errors); "
            "the portal may be down or its templates/URL patterns changed"
        )
    if portal.min_articles_per_run and found < portal.min_articles_per_run and not_modified == 0:
        return (
            f"low yield: {found} article links on {portal.id}, "
            f"expected at least {portal.min_articles_per_run}"
        )
    cleaned, failed = clean_stats.get("cleaned", 0), clean_stats.get("failed", 0)
    total = cleaned + failed
    if total >= DRIFT_MIN_PAGES:
        if failed / total > DRIFT_MAX_FAILED_SHARE:
            return f"extraction drift: {failed} of {total} pages yielded no article body"
        if cleaned and (cleaned - clean_stats.get("missing_date", 0)) / cleaned < DRIFT_MIN_DATED_SHARE:
            return (f"extraction drift: {clean_stats.get('missing_date')} of {cleaned} pages have no "
                    "published date; the article template may have changed")
    return None


def finish_run(db_url: str, portal: Portal, run_id: int, stats: dict, error: str | None = None) -> dict:
    """Record the run's figures; mark it alert/failed and raise PortalAlert when it looks wrong."""
    alert = None if error else check_alerts(portal, stats.get("crawl", {}), stats.get("clean", {}))
    status = "failed" if error else ("alert" if alert else "success")
    _close_run(db_url, run_id, status, stats, error or alert)
    summary = {"portal": portal.id, "run_id": run_id, "status": status, "message": error or alert, **stats}
    if alert:
        raise PortalAlert(alert)
    return summary


def _close_run(db_url: str, run_id: int, status: str, stats: dict, message: str | None) -> None:
    with transaction(db_url) as cur:
        cur.execute(
            "UPDATE crawl_runs SET finished_at = now(), status = %s, stats = %s, message = %s,"
            " owner_host = NULL, owner_pid = NULL, owner_started = NULL WHERE id = %s",
            (status, Json(stats), message, run_id),
        )


def import_archives(db_url: str, portal: Portal, files: list[Path] | list[str],
                    on_line: Callable[[str], None] | None = None, discover: bool = False) -> dict:
    """`portalnews import`: the portal's article pages from WARC/WACZ files into raw_pages (with their
    provenance), cleaned and loaded as a crawl's are; one crawl_runs row, trigger 'import'. A damaged
    file keeps the pages before the damage and makes the run an 'alert' whose message names the offset."""
    # Imported here: warcio and Scrapy (23 MiB) are of no use to a crawl's main process.
    from portalnews.pipelines.archives import store_archived

    run_id = start_run(db_url, portal, trigger="import")
    stats: dict = {}
    try:
        with loading_alongside(db_url, portal) as loaded:
            with cleaning_alongside(db_url, portal) as cleaned:
                stats["import"] = store_archived(db_url, portal, run_id, [Path(f) for f in files],
                                                 on_line or log.info, discover=discover)
            stats["clean"] = cleaned.result().as_dict()
        stats["load"] = loaded.result().as_dict()
    except Exception as err:
        log.exception("import for %s failed", portal.id)
        return finish_run(db_url, portal, run_id, stats, error=f"{type(err).__name__}: {err}")
    damage = stats["import"].pop("damage")
    status, message = ("alert" if damage else "success"), "; ".join(damage) or None
    _close_run(db_url, run_id, status, stats, message)
    return {"portal": portal.id, "run_id": run_id, "status": status, "message": message, **stats}


def crawl_clean_load(db_url: str, portal: Portal, run_id: int | None, stats: dict,
                     registry_files: list[Path] | tuple[Path, ...] = (), **crawl_options) -> dict:
    """Crawl with the clean stage running alongside (pages cleaned as the crawl stores them) and the
    load stage alongside it (extractions loaded as they are cleaned): the crawl waits on the network,
    cleaning on the CPU and loading on the database, so together they keep the cores busy where one
    after the other each would leave them idle. Fills `stats` ("crawl", "clean", "load") as each stage
    ends, so a caller catching an exception still has what finished; returns it."""
    with loading_alongside(db_url, portal) as loaded:
        with cleaning_alongside(db_url, portal) as cleaned:
            stats["crawl"] = crawl(db_url, portal, run_id, registry_files, **crawl_options)
        stats["clean"] = cleaned.result().as_dict()
    stats["load"] = loaded.result().as_dict()
    return stats


def added(first: dict, second: dict) -> dict:
    """Two stage summaries (CleanStats / LoadStats as dicts) counted together."""
    return {key: first.get(key, 0) + second.get(key, 0) for key in {**first, **second}}


def run_portal(
    db_url: str,
    portal: Portal,
    registry_files=(),
    backfill: bool = False,
    since: str | None = None,
    trigger: str = "cli",
    on_line: Callable[[str], None] | None = None,
    revisit: bool = False,
    **archive,
) -> dict:
    """One full pass for one portal, as the DAG runs it. Never raises for page-level problems.
    `archive`: jobs.crawl's from_archive, until and archive_delay (a backfill from a web archive)."""
    run_id = start_run(
        db_url, portal, trigger="backfill" if backfill or archive.get("from_archive") else trigger
    )
    stats: dict = {}
    try:
        # Pages are cleaned as the crawl stores them, and loaded as they are cleaned.
        crawl_clean_load(db_url, portal, run_id, stats, registry_files, backfill=backfill, since=since,
                         on_line=on_line, revisit=revisit, **archive)
    except DATABASE_DOWN as err:
        return database_unreachable(db_url, portal, run_id, stats, err)
    except (PortalBusy, CrawlError) as err:  # expected conditions: one line naming the cause, no traceback
        log.error("run of %s failed: %s", portal.id, err)
        return finish_run(db_url, portal, run_id, stats, error=f"{type(err).__name__}: {err}")
    except KeyboardInterrupt:  # Ctrl-C: close the run's row (the Scrapy child got the same signal)
        with contextlib.suppress(*DATABASE_DOWN):
            finish_run(db_url, portal, run_id, stats,
                       error="interrupted (Ctrl-C or SIGINT): the next run goes on")
        raise
    except Exception as err:
        log.exception("run of %s failed", portal.id)
        return finish_run(db_url, portal, run_id, stats, error=f"{type(err).__name__}: {err}")
    try:
        return finish_run(db_url, portal, run_id, stats)
    except PortalAlert as alert:
        return {"portal": portal.id, "run_id": run_id, "status": "alert", "message": str(alert), **stats}
    except DATABASE_DOWN as err:
        return database_unreachable(db_url, portal, run_id, stats, err)


def database_unreachable(db_url: str, portal: Portal, run_id: int, stats: dict, err: Exception) -> dict:
    """The run's summary when the database went away: one line saying what was fetched, where it is
    kept and what happens next. Nothing is lost: fetched pages are in raw_pages or the spool, and the
    next run cleans, loads and closes this run's row."""
    crawl_stats = stats.get("crawl")
    if crawl_stats is None:
        message = f"database unreachable before the crawl of {portal.id} ended: nothing stored; run it again"
    else:
        spooled = crawl_stats.get("pages_spooled", 0)
        message = (
            f"database unreachable after the crawl of {portal.id}: {crawl_stats.get('pages_fetched', 0)} "
            f"pages fetched, {crawl_stats.get('pages_stored', 0)} stored"
            + (f", {spooled} kept in {spool_path(portal.id)}" if spooled else "")
            + "; the next run cleans and loads them"
        )
    log.error("%s (%s)", message, (str(err).strip().splitlines() or [type(err).__name__])[0])
    runs.close_later(db_url, run_id, portal.id, "failed", message)
    return {"portal": portal.id, "run_id": run_id, "status": "failed", "message": message,
            "database_unreachable": True, **stats}
