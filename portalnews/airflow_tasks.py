"""The crawl -> clean -> load -> report tasks of one portal run, wired once for the portal DAGs
(dags/portal_dags.py) and the backfill DAG (dags/portalnews_backfill.py); the steps themselves live in
portalnews.jobs. In the package, not the DAG folder, so every way Airflow parses DAG files imports it
(the layer just under dags/, tests/unit/test_layers.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from airflow.sdk import Asset, get_current_context, task

from portalnews.airflow_env import CONNECTION_ID, CRAWL_POOL
from portalnews.config import registry_files
from portalnews.monitoring.callbacks import db_url
from portalnews.registry import Portal


@dataclass(frozen=True)
class PortalRun:
    """What differs between a scheduled run and a backfill."""

    portal: Callable[[], Portal]  # the run's portal (fixed, or from the run's params)
    trigger: str  # crawl_runs.trigger
    before_crawl: Callable[[str, Portal], None]  # the portal's lock is taken: skip, or wait
    crawl_options: Callable[[], dict] = dict  # extra arguments of jobs.crawl
    articles_asset: Asset | None = None  # updated by load
    resolve_incidents: bool = True  # a green report closes the portal's open incident
    timeouts: dict[str, timedelta] = field(default_factory=lambda: {
        "crawl": timedelta(hours=3), "clean": timedelta(hours=2), "load": timedelta(hours=1)})


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
    """Add the four tasks, in order, to the DAG being defined."""

    @task(pool=CRAWL_POOL, execution_timeout=spec.timeouts["crawl"])
    def crawl() -> dict:
        from portalnews import jobs
        from portalnews.store.runs import release_run

        portal, url = spec.portal(), portalnews_db_url()
        spec.before_crawl(url, portal)
        run_id = jobs.start_run(
            url, portal, trigger=spec.trigger, airflow_run_id=get_current_context()["run_id"]
        )
        stats: dict = {}
        try:  # jobs.crawl holds the portal's lock for the crawl's length
            # Cleaned and loaded while crawling, as `portalnews run` does: three tasks one after the
            # other left a core idle for most of the run (bench/throughput.py measures both).
            jobs.crawl_clean_load(url, portal, run_id, stats, registry_files(), **spec.crawl_options())
        except Exception as err:
            jobs.finish_run(url, portal, run_id, stats, error=f"crawl: {type(err).__name__}: {err}")
            raise
        release_run(url, run_id)  # clean and load may run in other processes
        print(f"crawl statistics for {portal.id} ({spec.trigger}): {stats['crawl']}; while crawling,"
              f" clean {stats['clean']}, load {stats['load']}")
        return {"run_id": run_id, **stats}

    # clean and load finish what the crawl task left (a page stored after its last pass, a retried
    # task's pages) and report the run's whole figures.
    @task(execution_timeout=spec.timeouts["clean"])
    def clean(run: dict) -> dict:
        from portalnews import jobs

        portal = spec.portal()
        stats = jobs.added(run.get("clean", {}), jobs.clean(portalnews_db_url(), portal))
        print(f"clean statistics for {portal.id}: {stats}")
        return stats

    @task(
        outlets=[spec.articles_asset] if spec.articles_asset else [], execution_timeout=spec.timeouts["load"]
    )
    def load(run: dict, cleaned: dict) -> dict:
        from portalnews import jobs

        portal = spec.portal()
        stats = jobs.added(run.get("load", {}), jobs.load(portalnews_db_url(), portal))
        print(f"load statistics for {portal.id}: {stats}")
        return stats

    @task(retries=0)
    def report(run: dict, cleaned: dict, loaded: dict) -> dict:
        from portalnews import jobs
        from portalnews.monitoring.incidents import resolve_incidents

        portal, url = spec.portal(), portalnews_db_url()
        summary = jobs.finish_run(
            url, portal, run["run_id"], {"crawl": run["crawl"], "clean": cleaned, "load": loaded}
        )
        print(f"run summary for {portal.id} ({spec.trigger}): {summary}")
        if spec.resolve_incidents and resolve_incidents(url, portal.id, "run"):
            print(f"{portal.id} is well again: its open incident is resolved")
        return summary

    # The tasks are called with XComArgs while the DAG is defined (Airflow hands them the dicts when they
    # run); Airflow's @task types the call with the function's own parameters, hence the ignores.
    run = crawl()
    cleaned = clean(run)  # type: ignore[arg-type]
    loaded = load(run, cleaned)  # type: ignore[arg-type]
    report(run, cleaned, loaded)  # type: ignore[arg-type]
