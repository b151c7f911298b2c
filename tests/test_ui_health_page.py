"""The Portal health page inside the Airflow UI: the plugin installed through the package's
`airflow.plugins` entry point, served by a real `airflow api-server`, signed in and opened in a real
headless Chromium (Debian's chromium + chromium-driver), with a screenshot saved for the README."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from portalnews.monitoring.health import compute_health
from portalnews.registry import load_registry
from portalnews.store import embedded as embedded_db
from portalnews.store.schema import register_portals
from tests.conftest import airflow_test_env, query
from tests.test_health import NOW, _articles, _cleaned_pages, _run, _ten_a_day

REPO = Path(__file__).resolve().parent.parent
SCREENSHOT = REPO / "docs" / "portal-health.png"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def chromium() -> tuple[str, str]:
    """Debian's chromium and its driver, installed here when missing (CI runs as root)."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            pytest.skip("chromium and chromium-driver are not installed and apt-get cannot install them "
                        "(not root, or not Debian): apt-get install chromium chromium-driver")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"], check=True, env=env,
                       capture_output=True, timeout=900)
    return CHROMIUM, CHROMEDRIVER


@pytest.fixture
def browser(chromium, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium[0]
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1500,900", "--lang=en-US"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(chromium[1]), options=options)
    yield driver
    driver.quit()


def _get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


@pytest.fixture
def api_server(db_url, make_database, serve_site, airflow_metadata_url, tmp_path):
    """The API server (UI) over a portalnews database where hanoi went silent, danang is steady and
    hcm halved its output; fx_liferay failed a real health check run (a failed task in Airflow)."""
    site = serve_site("liferay_danang")
    stale_db = make_database()
    query(stale_db, "INSERT INTO portals (id, name, base_url) VALUES (%s, 'x', 'x')", (site.portal.id,))
    query(stale_db, "INSERT INTO crawl_runs (portal, status, started_at, finished_at)"
                    " VALUES (%s, 'success', now() - interval '5 days', now() - interval '5 days')", (site.portal.id,))
    failed_run = subprocess.run(["airflow", "dags", "test", "portalnews_health"], capture_output=True, text=True,
                                env=airflow_test_env(stale_db, airflow_metadata_url, site.registry_file), timeout=300)
    assert "PortalUnhealthy" in failed_run.stdout + failed_run.stderr
    env = airflow_test_env(db_url, airflow_metadata_url, site.registry_file)

    portals = load_registry([site.registry_file])
    register_portals(db_url, list(portals.values()))
    _articles(db_url, "danang", _ten_a_day(1, 28) + [NOW - timedelta(hours=k, minutes=30) for k in range(9)])
    _cleaned_pages(db_url, "danang", dated=10, undated=0, bodiless=0)
    _run(db_url, "danang", "success", 2)
    _articles(db_url, "hanoi", _ten_a_day(4, 28))
    _cleaned_pages(db_url, "hanoi", dated=2, undated=4, bodiless=0)
    _run(db_url, "hanoi", "success", 100)
    _articles(db_url, "hcm", _ten_a_day(1, 28) + [NOW - timedelta(hours=k, minutes=30) for k in range(2)])
    _run(db_url, "hcm", "success", 1)
    compute_health(db_url, list(portals.values()), now=NOW)

    port = embedded_db._free_port()
    env.update(AIRFLOW__API__PORT=str(port), AIRFLOW__API__BASE_URL=f"http://127.0.0.1:{port}")
    log = (tmp_path / "api-server.log").open("w")
    server = subprocess.Popen(["airflow", "api-server", "--port", str(port)], env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "api-server.log").read_text()[-3000:]
            try:
                if _get(base + "/api/v2/monitor/health")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(1)
        passwords = json.loads((airflow_metadata_url[1] / "simple_auth_manager_passwords.json.generated").read_text())
        request = urllib.request.Request(base + "/auth/token", method="POST", headers={"Content-Type": "application/json"},
                                         data=json.dumps({"username": "admin", "password": passwords["admin"]}).encode())
        with urllib.request.urlopen(request, timeout=20) as response:
            token = json.loads(response.read())["access_token"]
        yield base, token, site.portal.id
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_airflow_lists_the_plugin_from_the_packages_entry_point():
    out = subprocess.run([sys.executable, "-m", "airflow", "plugins", "-o", "json"], capture_output=True, text=True,
                         timeout=120)
    plugins = {p["name"]: p for p in json.loads(out.stdout[out.stdout.index("["):])}
    assert "portalnews" in plugins
    assert "portalnews.monitoring.plugin:PortalnewsPlugin" in plugins["portalnews"]["source"]


@pytest.mark.slow
def test_the_portal_health_page_shows_every_portal_in_a_real_browser(api_server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    base, token, failed_portal = api_server
    assert _get(base + "/portalnews/health")[0] in (401, 403)  # not without signing in
    status, html = _get(base + "/portalnews/health", token)
    assert status == 200 and "<script" not in html  # no JavaScript, from the internet or anywhere

    browser.get(base + "/")
    browser.add_cookie({"name": "_token", "value": token, "path": "/"})
    browser.get(base + "/plugin/portal-health")  # the page as the UI's navigation shows it
    frame = WebDriverWait(browser, 60).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "iframe[src*='/portalnews/health']")))
    browser.switch_to.frame(frame)
    WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "tr.portal")))
    rows = {row.get_attribute("data-portal"): row for row in browser.find_elements(By.CSS_SELECTOR, "tr.portal")}
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
    assert rows["danang"].find_element(By.LINK_TEXT, "DAG").get_attribute("href") == f"{base}/dags/portalnews_danang"
    failed_link = rows[failed_portal].find_element(By.PARTIAL_LINK_TEXT, "last failed task log")
    assert failed_link.text.endswith(f"(portalnews_health.check_{failed_portal})")
    assert "/dags/portalnews_health/runs/" in failed_link.get_attribute("href")
    assert f"/tasks/check_{failed_portal}?try_number=1" in failed_link.get_attribute("href")

    browser.switch_to.default_content()
    time.sleep(1)  # let the UI finish painting its navigation around the frame
    SCREENSHOT.parent.mkdir(exist_ok=True)
    for path in (tmp_path / "portal-health.png", SCREENSHOT):
        assert browser.save_screenshot(str(path))
    assert (tmp_path / "portal-health.png").stat().st_size > 20_000
