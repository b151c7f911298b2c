"""The Airflow UI shows times in Airflow's `[core] default_timezone` (Asia/Ho_Chi_Minh, as analysts' SQL
sessions) for users who have not picked a zone, in a real headless chromium whose own zone is UTC; a zone the
user picked stays theirs. Done by the plugin's root middleware (portalnews/monitoring/ui_timezone.py)."""

from __future__ import annotations

import itertools
import subprocess
import uuid

import pytest

from tests.support.airflow_env import airflow_test_env
from tests.support.airflow_ui import (
    BROWSER_TIMEZONE,
    http_get,
    http_post_json,
    running_api_server,
    save_screenshot,
    sign_in,
    wait_until,
)

# Runs at 05:38 UTC, 12:38 in Vietnam (the example of one run shown two ways); one day
# apart, as a DAG has one run per logical date.
RUN_DAYS = itertools.count(1)


@pytest.fixture
def ui_with_a_run(db_url, serve_site, airflow_metadata_url, tmp_path):
    """A real API server whose portalnews_health DAG has a queued run at 05:38 UTC."""
    site = serve_site("liferay_danang")
    env = airflow_test_env(db_url, airflow_metadata_url, site.registry_file)
    assert env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "Asia/Ho_Chi_Minh"
    serialized = subprocess.run(["airflow", "dags", "reserialize"], env=env, capture_output=True, text=True,
                                timeout=300)
    assert serialized.returncode == 0, serialized.stderr[-3000:]
    with running_api_server(env, airflow_metadata_url[1], tmp_path) as (base, token):
        run_id, day = f"timezone_probe_{uuid.uuid4().hex[:8]}", f"2026-10-{next(RUN_DAYS):02d}"
        run = http_post_json(f"{base}/api/v2/dags/portalnews_health/dagRuns",
                             {"dag_run_id": run_id, "logical_date": f"{day}T05:38:00Z"}, token)
        assert run["logical_date"].startswith(f"{day}T05:38:00")
        yield base, token, f"{base}/dags/portalnews_health/runs/{run_id}"


def _shown_timezone(browser) -> str | None:
    return browser.execute_script("return window.localStorage.getItem('timezone')")


def _wait_for_text(browser, text: str, timeout: float = 60) -> str:
    from selenium.webdriver.common.by import By

    wait_until(browser, lambda b: text in b.find_element(By.TAG_NAME, "body").text, repr(text), timeout)
    return browser.find_element(By.TAG_NAME, "body").text


def _pick_timezone_in_the_ui(browser, current: str, choice: str) -> None:
    """The user's way: the navigation's clock button, then a zone in its Select Timezone dialog."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.find_element(By.CSS_SELECTOR, f"button[aria-label='{current}']").click()
    field = WebDriverWait(browser, 30).until(lambda b: b.find_element(
        By.XPATH, "//*[@role='dialog'][.//*[normalize-space(text())='Select Timezone']]//input"))
    field.click()
    field.send_keys(choice)
    field.send_keys(Keys.ENTER)
    WebDriverWait(browser, 30).until(lambda b: _shown_timezone(b) == f'"{choice}"')


@pytest.mark.slow
def test_the_ui_shows_a_runs_time_in_vietnam_time_in_a_browser_set_to_utc(ui_with_a_run, browser, tmp_path):
    base, token, run_page = ui_with_a_run
    assert (
        browser.execute_script("return Intl.DateTimeFormat().resolvedOptions().timeZone") == BROWSER_TIMEZONE
    )
    status, shell = http_get(base + "/")
    assert status == 200 and "Asia/Ho_Chi_Minh" in shell  # the UI's page carries the server's zone

    sign_in(browser, base, token)
    browser.get(run_page)
    text = _wait_for_text(browser, "12:38:00")  # the run's logical date, 05:38 UTC
    assert "05:38:00" not in text
    assert "+07:00" in text  # the navigation's clock names the zone shown
    assert _shown_timezone(browser) == '"Asia/Ho_Chi_Minh"'  # JSON, as the UI's useLocalStorage hook keeps it
    save_screenshot(browser, tmp_path, "ui-timezone.png")


@pytest.mark.slow
def test_a_zone_the_user_picked_survives_while_an_earlier_default_follows_the_configured_one(
    ui_with_a_run, browser
):
    base, token, run_page = ui_with_a_run
    sign_in(browser, base, token)
    # A browser that got Europe/Paris as the default when that was default_timezone, and never picked.
    browser.execute_script("for (const key of ['timezone', 'portalnews_default_timezone'])"
                           " window.localStorage.setItem(key, JSON.stringify('Europe/Paris'))")
    browser.get(run_page)
    _wait_for_text(browser, "12:38:00")
    assert _shown_timezone(browser) == '"Asia/Ho_Chi_Minh"'

    _pick_timezone_in_the_ui(browser, current="+07:00", choice="UTC")
    browser.get(run_page)  # a new page load: the plugin's default must not undo the choice
    text = _wait_for_text(browser, "05:38:00")
    assert "12:38:00" not in text and "+00:00" in text
    assert _shown_timezone(browser) == '"UTC"'
