"""The Portal health page inside the Airflow UI: the plugin installed through the package's `airflow.plugins`
entry point, served by a real `airflow api-server`, signed in and opened in a real headless Chromium (Debian's
chromium + chromium-driver), with a screenshot (`make screenshots` refreshes docs/portal-health.png)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portalnews.monitoring.health import compute_health
from portalnews.registry import load_registry
from portalnews.store.schema import register_portals
from tests.support.airflow_env import airflow_test_env
from tests.support.airflow_ui import http_get, running_api_server, save_screenshot, sign_in, wait_until
from tests.support.database import query
from tests.support.portal_history import NOW

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def api_server(four_portal_history, make_database, serve_site, airflow_metadata_url, tmp_path):
    """The API server (UI) over the shared four-portal history (tests/support/portal_history.py: hanoi went
    silent, danang is steady, hcm's output fell) judged by the registry's thresholds; fx_liferay
    failed a real health check run (a failed task in Airflow)."""
    db_url = four_portal_history
    site = serve_site("liferay_danang")
    stale_db = make_database()
    query(stale_db, "INSERT INTO portals (id, name, base_url) VALUES (%s, 'x', 'x')", (site.portal.id,))
    query(
        stale_db,
        "INSERT INTO crawl_runs (portal, status, started_at, finished_at)"
        " VALUES (%s, 'success', now() - interval '5 days', now() - interval '5 days')",
        (site.portal.id,),
    )
    failed_run = subprocess.run(
        ["airflow", "dags", "test", "portalnews_health"],
        capture_output=True,
        text=True,
        env=airflow_test_env(stale_db, airflow_metadata_url, site.registry_file),
        timeout=300,
    )
    assert "PortalUnhealthy" in failed_run.stdout + failed_run.stderr
    env = airflow_test_env(db_url, airflow_metadata_url, site.registry_file)

    portals = load_registry([site.registry_file])
    register_portals(db_url, list(portals.values()))
    compute_health(db_url, list(portals.values()), now=NOW)

    with running_api_server(env, airflow_metadata_url[1], tmp_path) as (base, token):
        yield base, token, site.portal.id


def test_airflow_lists_the_plugin_from_the_packages_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "airflow", "plugins", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    plugins = {p["name"]: p for p in json.loads(out.stdout[out.stdout.index("["):])}
    assert "portalnews" in plugins
    assert "portalnews.monitoring.plugin:PortalnewsPlugin" in plugins["portalnews"]["source"]


@pytest.mark.slow
def test_the_portal_health_page_shows_every_portal_in_a_real_browser(api_server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    base, token, failed_portal = api_server
    assert http_get(base + "/portalnews/health")[0] in (401, 403)  # not without signing in
    status, html = http_get(base + "/portalnews/health", token)
    assert status == 200 and "<script src" not in html  # no JavaScript from elsewhere: one inline script

    sign_in(browser, base, token)
    browser.get(base + "/plugin/portal-health")  # the page as the UI's navigation shows it
    frame = wait_until(browser, expected_conditions.presence_of_element_located(
        (By.CSS_SELECTOR, "iframe[src*='/portalnews/health']")), "the plugin page's frame")
    browser.switch_to.frame(frame)
    wait_until(browser, expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "tr.portal")),
               "the health table's rows", timeout=30)
    rows = {
        row.get_attribute("data-portal"): row for row in browser.find_elements(By.CSS_SELECTOR, "tr.portal")
    }
    assert {"hanoi", "hcm", "danang", "cantho", "hue", "haiphong", failed_portal} <= set(rows)

    hanoi = rows["hanoi"]
    assert hanoi.get_attribute("data-status") == "alert"
    assert "newest article is 96 h old (limit 72 h)" in hanoi.text
    assert "96 h ago" in hanoi.text and "mean 8.9/day" in hanoi.text
    assert rows["danang"].get_attribute("data-status") == "ok"
    assert "low yield: 2 articles in the last 24 h" in rows["hcm"].text
    assert rows["cantho"].get_attribute("data-status") == "no data"
    chart = rows["danang"].find_element(By.CSS_SELECTOR, "svg.chart")
    assert len(chart.find_elements(By.TAG_NAME, "rect")) == 28 and chart.size["width"] > 100
    assert (
        rows["danang"].find_element(By.LINK_TEXT, "DAG").get_attribute("href")
        == f"{base}/dags/portalnews_danang"
    )
    failed_link = rows[failed_portal].find_element(By.PARTIAL_LINK_TEXT, "last failed task log")
    assert failed_link.text.endswith(f"(portalnews_health.check_{failed_portal})")
    assert "/dags/portalnews_health/runs/" in failed_link.get_attribute("href")
    assert f"/tasks/check_{failed_portal}?try_number=1" in failed_link.get_attribute("href")

    browser.switch_to.default_content()
    time.sleep(1)  # let the UI finish painting its navigation around the frame
    assert save_screenshot(browser, tmp_path, "portal-health.png").stat().st_size > 20_000

    # Every link on the page, clicked inside the UI's sandboxed frame, lands the UI itself on its target.
    links = {"DAG": ("danang", "DAG", "portalnews_danang"),
             "failed log": (failed_portal, "last failed task log", f"check_{failed_portal}"),
             "health DAG": (None, "portalnews_health", "portalnews_health")}
    for what, (portal, text, shown) in links.items():
        browser.get(base + "/plugin/portal-health")
        frame = wait_until(browser, expected_conditions.presence_of_element_located(
            (By.CSS_SELECTOR, "iframe[src*='/portalnews/health']")), "the plugin page's frame")
        browser.switch_to.frame(frame)
        scope = wait_until(browser, expected_conditions.presence_of_element_located(
            (By.CSS_SELECTOR, f"tr.portal[data-portal='{portal}']" if portal else "div.meta")), what)
        link = scope.find_element(By.PARTIAL_LINK_TEXT, text)
        target = link.get_attribute("href")
        link.click()
        browser.switch_to.default_content()
        wait_until(browser, expected_conditions.url_to_be(target), f"the {what} link's target")
        wait_until(browser, expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "body"), shown),
                   f"the UI's page for the {what} link")
        # The UI itself moved (its router), not a UI nested in the plugin's frame.
        assert not browser.find_elements(By.CSS_SELECTOR, "iframe[src*='/portalnews/health']")
        assert browser.execute_script("return window.top === window && !!document.getElementById('root')")
