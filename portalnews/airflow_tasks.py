"""The crawl_clean_load -> report tasks of one portal run, wired once for the portal DAGs
(dags/portal_dags.py) and the backfill DAG (dags/portalnews_backfill.py); the steps themselves live in
portalnews.jobs. In the package, not the DAG folder, so every way Airflow parses DAG files imports it
(the layer just under dags/, tests/unit/test_layers.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from airflow.sdk import Asset, get_current_context, task

from portalnews.airflow_env import CONNECTION_ID, CRAWL_POOL
from portalnews.config import registry_files
from portalnews.monitoring.callbacks import db_url
from portalnews.registry import Portal

STAGES = ("crawl", "clean", "load")  # of jobs.crawl_clean_load, overlapping in one task


@dataclass(frozen=True)
class PortalRun:
    """What differs between a scheduled run and a backfill."""

    portal: Callable[[], Portal]  # the run's portal (fixed, or from the run's params)
    trigger: str  # crawl_runs.trigger
    before_crawl: Callable[[str, Portal], None]  # the portal's lock is taken: skip, or wait
    crawl_options: Callable[[], dict] = dict  # extra arguments of jobs.crawl
    articles_asset: Asset | None = None  # updated by crawl_clean_load
    resolve_incidents: bool = True  # a green report closes the portal's open incident
    timeout: timedelta = timedelta(hours=3)  # crawl_clean_load's


def backfill_crawl_options(params: dict) -> dict:
    """jobs.crawl's arguments from the backfill DAG's trigger form (dags/portalnews_backfill.py)."""
    options = {"backfill": True, "since": params["since"], "max_listing_pages": params["depth"]}
    if params.get("source", "portal") != "portal":  # a web archive's captures (spiders/archive_spider.py)
        options["from_archive"] = params["source"]
        if params.get("until"):  # the newest capture date wanted; None: up to now
            options["until"] = params["until"]
    return options


def portalnews_db_url() -> str:
    """The portalnews database, through the Airflow Connection `portalnews_db`."""
    return db_url(CONNECTION_ID)


def crawl_clean_load_report(spec: PortalRun) -> None:
    """Add the two tasks, in order, to the DAG being defined: crawl_clean_load does the run's work, its
    three stages overlapping in one task (as `portalnews run` does); report gives the run's verdict."""

    # One task, not crawl -> clean -> load: the stages overlap (fetching waits on the network, cleaning
    # on the CPU, loading on the database), and each hand-over between tasks cost about a second of
    # scheduling against a run of tens of seconds (bench/throughput.py measures both). A retry finishes
    # what a failed try left: cleaning and loading take every pending page of the portal.
    @task(pool=CRAWL_POOL, execution_timeout=spec.timeout,
          outlets=[spec.articles_asset] if spec.articles_asset else [])
    def crawl_clean_load() -> dict:
        from portalnews import jobs
        from portalnews.store.runs import release_run

        portal, url = spec.portal(), portalnews_db_url()
        spec.before_crawl(url, portal)
        run_id = jobs.start_run(
            url, portal, trigger=spec.trigger, airflow_run_id=get_current_context()["run_id"]
        )
        stats: dict = {}
        try:  # jobs.crawl holds the portal's lock for the crawl's length
            jobs.crawl_clean_load(url, portal, run_id, stats, registry_files(), **spec.crawl_options())
        except Exception as err:
            error = f"{_failed_stage(stats)}: {type(err).__name__}: {err}"
            jobs.finish_run(url, portal, run_id, stats, error=error)
            raise
        release_run(url, run_id)  # the report runs in another process
        for stage in STAGES:
            print(f"{stage} statistics for {portal.id} ({spec.trigger}): {stats[stage]}")
        return {"run_id": run_id, **stats}

    @task(retries=0)
    def report(run: dict) -> dict:
        from portalnews import jobs
        from portalnews.monitoring.incidents import resolve_incidents

        portal, url = spec.portal(), portalnews_db_url()
        summary = jobs.finish_run(url, portal, run["run_id"], {stage: run[stage] for stage in STAGES})
        print(f"run summary for {portal.id} ({spec.trigger}): {summary}")
        if spec.resolve_incidents and resolve_incidents(url, portal.id, "run"):
            print(f"{portal.id} is well again: its open incident is resolved")
        return summary

    # Called with an XComArg while the DAG is defined (Airflow hands it the dict when it runs); Airflow's
    # @task types the call with the function's own parameter, hence the ignore.
    report(crawl_clean_load())  # type: ignore[arg-type]


def _failed_stage(stats: dict) -> str:
    """The first stage without figures: jobs.crawl_clean_load fills `stats` as each stage ends."""
    return next((stage for stage in STAGES if stage not in stats), "load")
