"""Fixtures and helpers for tests of the Airflow UI in a real browser: Debian's chromium and its
driver (installed when missing), and a real `airflow api-server` signed into as the admin.
Registered for every test module by `pytest_plugins` in tests/conftest.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from portalnews.store import embedded as embedded_db

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
# The browser's own zone, unlike Airflow's default_timezone (Asia/Ho_Chi_Minh) of these tests.
BROWSER_TIMEZONE = "UTC"


@pytest.fixture(scope="session")
def chromium() -> tuple[str, str]:
    """Debian's chromium and its driver, installed here when missing (CI runs as root)."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            pytest.skip("chromium and chromium-driver are not installed and apt-get cannot install them "
                        "(not root, or not Debian): apt-get install chromium chromium-driver")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True, timeout=600)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"],
            check=True,
            env=env,
            capture_output=True,
            timeout=900,
        )
    return CHROMIUM, CHROMEDRIVER


@pytest.fixture
def browser(chromium, tmp_path):
    """Headless chromium with a fresh profile, in the UTC time zone."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium[0]
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1500,900",
        "--lang=en-US",
    ):
        options.add_argument(flag)
    service = Service(chromium[1], env={**os.environ, "TZ": BROWSER_TIMEZONE})
    driver = webdriver.Chrome(service=service, options=options)
    yield driver
    driver.quit()


def http_get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def http_post_json(url: str, body: dict, token: str | None = None) -> dict:
    request = urllib.request.Request(url, method="POST", data=json.dumps(body).encode(), headers={
        "Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@contextmanager
def running_api_server(env: dict, airflow_home: Path, log_dir: Path):
    """`airflow api-server` on a free port with env; yields (base URL, the admin's bearer token)."""
    port = embedded_db._free_port()
    env = {**env, "AIRFLOW__API__PORT": str(port), "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}"}
    log_path = log_dir / "api-server.log"
    log = log_path.open("w")
    server = subprocess.Popen(["airflow", "api-server", "--port", str(port)], env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert server.poll() is None, log_path.read_text()[-3000:]
            try:
                if http_get(base + "/api/v2/monitor/health")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(1)
        passwords = json.loads((airflow_home / "simple_auth_manager_passwords.json.generated").read_text())
        token = http_post_json(base + "/auth/token", {"username": "admin", "password": passwords["admin"]})
        yield base, token["access_token"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def sign_in(browser, base: str, token: str) -> None:
    """The UI's session cookie, as its login page sets it. Set from the health endpoint's plain JSON,
    not from the UI: the UI's own page, signed out, sends the browser to its login page from a script
    that could still fire after the next navigation had begun (a CI run ended on the login page)."""
    browser.get(base + "/api/v2/monitor/health")
    browser.add_cookie({"name": "_token", "value": token, "path": "/"})


def save_screenshot(browser, tmp_path: Path, name: str) -> Path:
    """The page as a PNG in tmp_path; a test run writes no tracked file. `make screenshots` sets
    PORTALNEWS_SCREENSHOTS_DIR to docs/ to refresh the pictures the guides show."""
    path = tmp_path / name
    assert browser.save_screenshot(str(path))
    refresh = os.environ.get("PORTALNEWS_SCREENSHOTS_DIR")
    if refresh:
        shutil.copyfile(path, Path(refresh) / name)
    return path


def wait_until(browser, condition, what: str, timeout: float = 60):
    """WebDriverWait(browser, timeout).until(condition), failing with what the browser showed instead
    (its URL and the start of the page's text), so a page that never came says where it got stuck."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(browser, timeout).until(condition)
    except TimeoutException:
        try:
            shown = browser.find_element(By.TAG_NAME, "body").text[:800]
        except Exception as err:  # noqa: BLE001 (the page may be gone too: say so)
            shown = f"(no page text: {type(err).__name__})"
        raise AssertionError(
            f"{what}: not seen within {timeout:.0f} s at {browser.current_url}; the page showed:\n{shown}"
        ) from None
