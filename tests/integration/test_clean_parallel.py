"""Cleaning uses every core: pages are cleaned in one worker process per core (PORTALNEWS_CLEAN_WORKERS
to choose), each page's result stays with its own page, a run cleans pages while its crawl is still
storing them, and `portalnews reextract` reports how many pages per second it re-cleaned."""

from __future__ import annotations

import psutil
import pytest

from portalnews import jobs
from portalnews.pipelines import clean, clean_workers
from portalnews.registry import load_registry
from tests.support.cli import portalnews
from tests.support.database import query


@pytest.fixture
def two_cleaning_processes(monkeypatch):
    monkeypatch.setenv("PORTALNEWS_CLEAN_WORKERS", "2")


def worker_cpu() -> dict[int, float]:
    """CPU seconds so far of each cleaning worker process of this test process."""
    times = {}
    for bounded in clean._cleaners:
        if bounded._worker is not None and bounded._worker.is_alive():
            cpu = psutil.Process(bounded._worker.pid).cpu_times()
            times[bounded._worker.pid] = cpu.user + cpu.system
    return times


def test_two_worker_processes_share_the_pages_and_each_result_stays_with_its_page(
        two_cleaning_processes, db_url, serve_site):
    site = serve_site("nukeviet_province")
    jobs.run_portal(db_url, site.portal, [site.registry_file])
    before = worker_cpu()

    # Five passes: with the family's body hint a page cleans in a few ms, under the 10 ms the kernel
    # counts CPU time in, so one pass of 8 pages could leave a worker's count unchanged.
    passes = [clean.clean_pending(db_url, site.portal, force=True) for _ in range(5)]

    after = worker_cpu()
    assert [again.cleaned for again in passes] == [len(site.expected)] * 5
    assert len(after) == 2
    assert all(after[pid] > before.get(pid, 0.0) for pid in after), (before, after)  # both did work
    titles = {
        row["url"].removeprefix(site.mirror.origin): row["title"]
        for row in query(
            db_url,
            "SELECT r.url, e.result->>'title' AS title FROM extractions e JOIN raw_pages r "
            "ON r.id = e.raw_page_id",
        )
    }
    assert titles == {want["path"]: want["title"] for want in site.expected}


def test_batches_overlap_and_every_page_is_cleaned_once(two_cleaning_processes, db_url, serve_site,
                                                        monkeypatch):
    """The next batch is handed to the workers before the one in flight is stored: with batches of 3, a
    batch's pages are cleaned while the one before it is written, and each page gets exactly one
    extraction with its own title."""
    site = serve_site("nukeviet_province")
    jobs.crawl(db_url, site.portal, jobs.start_run(db_url, site.portal), [site.registry_file])
    monkeypatch.setattr(clean, "BATCH", 3)
    handed: list[str] = []  # what the pass did, in order
    store_results, next_pages = clean._store_results, clean._next_pages
    monkeypatch.setattr(clean, "_store_results",
                        lambda *args: (handed.append("store"), store_results(*args))[1])
    monkeypatch.setattr(clean, "_next_pages",
                        lambda *args: (rows := next_pages(*args), handed.append(f"read {len(rows)}"))[0])

    done = clean.clean_pending(db_url, site.portal)

    pages = len(site.expected)
    assert pages > 6 and done.cleaned == pages and done.failed == 0
    assert handed[:3] == ["read 3", "read 3", "store"]  # the second batch read before the first is stored
    assert handed.count("store") == -(-pages // 3)
    rows = query(db_url, "SELECT r.url, e.result->>'title' AS title FROM extractions e"
                         " JOIN raw_pages r ON r.id = e.raw_page_id")
    assert len(rows) == pages
    assert {row["url"].removeprefix(site.mirror.origin): row["title"] for row in rows} == {
        want["path"]: want["title"] for want in site.expected}


def test_the_worker_processes_start_at_once(two_cleaning_processes, monkeypatch):
    """Each worker's interpreter starts before the first is waited for (not one after the other)."""
    for bounded in clean._cleaners:
        bounded._stop()
    alive_when_waited: list[int] = []
    wait_until_ready = clean_workers._Worker.wait_until_ready

    def counting(worker):
        alive_when_waited.append(sum(b._worker is not None and b._worker.is_alive() for b in clean._cleaners))
        return wait_until_ready(worker)

    monkeypatch.setattr(clean_workers._Worker, "wait_until_ready", counting)
    clean._cleaner_pool(2)

    assert alive_when_waited == [2, 2]
    assert all(b._worker.receive_end.poll(0) is False for b in clean._cleaners[:2])  # "ready" read


def test_a_run_cleans_pages_while_its_crawl_is_still_storing_them(db_url, serve_site, tmp_path):
    site = serve_site("nukeviet_province")
    # One request at a time, 0.3 s apart: the crawl takes seconds, as on a real portal.
    slow = tmp_path / "slow.toml"
    slow.write_text(
        "\n".join(
            "settings = { DOWNLOAD_DELAY = 0.3, AUTOTHROTTLE_ENABLED = false, "
            "CONCURRENT_REQUESTS_PER_DOMAIN = 1 }"
            if line.startswith("settings")
            else line
            for line in site.registry_file.read_text(encoding="utf-8").splitlines()
        ),
        encoding="utf-8",
    )
    (portal,) = load_registry([slow], include_builtin=False).values()

    summary = jobs.run_portal(db_url, portal, [slow])

    first_cleaned, last_stored = query(db_url, "SELECT (SELECT min(extracted_at) FROM extractions) AS c,"
                                               " (SELECT max(fetched_at) FROM raw_pages) AS s")[0].values()
    assert summary["clean"]["cleaned"] == len(site.expected)
    assert first_cleaned < last_stored


def test_reextract_reports_pages_per_second(two_cleaning_processes, db_url, serve_site):
    site = serve_site("nukeviet_province")
    portalnews("run", "--registry", str(site.registry_file), "--portal", site.portal.id, db_url=db_url)

    result = portalnews("reextract", "--registry", str(site.registry_file), "--portal", site.portal.id,
                        db_url=db_url, PORTALNEWS_CLEAN_WORKERS="2")

    line = next(line for line in result.stdout.splitlines() if "pages/s" in line)
    assert line.startswith(f"{site.portal.id}: {len(site.expected)} pages re-cleaned in ")
    assert line.endswith("(cleaning processes: 2)")
