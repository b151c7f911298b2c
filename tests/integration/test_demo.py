"""What `make demo` shows: only the recorded portals it serves (PORTALNEWS_BUILTIN_PORTALS=0), their dates
moved so that health is judged as on live portals (`portalnews mirror --dates-to-today`), one portal that
went silent (`--silent-for`) in alert with a reason an operator recognises; and the mirror's and the UI's
ports, a port in use being a one-line error that names it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import date

import pytest

from portalnews import jobs
from portalnews.mirror import SiteMirror, days_to_today, shift_dates
from portalnews.monitoring.health import compute_health
from portalnews.registry import load_registry
from portalnews.store.schema import register_portals
from tests.support.database import query
from tests.support.paths import REPO, SITES_DIR


# ---- dates moved by the mirror ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("recorded", "days", "served"),
    [
        ("Cập nhật: 13/02/2020 09:06", 10, "Cập nhật: 23/02/2020 09:06"),
        # 2020: 29 days in Feb
        ('content="2020-02-13T09:06:00+07:00"', 20, 'content="2020-03-04T09:06:00+07:00"'),
        ("<lastmod>2025-05-12T16:20:00+07:00</lastmod>", 1, "<lastmod>2025-05-13T16:20:00+07:00</lastmod>"),
        ("(3-2-1930 - 3-2-2020)", 1, "(4-2-1930 - 4-2-2020)"),
        ("ngày 3 tháng 2 năm 2020", 30, "ngày 4 tháng 3 năm 2020"),
        (
            "<pubDate>Thu, 13 Feb 2020 09:06:00 +0700</pubDate>",
            1,
            "<pubDate>Fri, 14 Feb 2020 09:06:00 +0700</pubDate>",
        ),
        ("31/12/2025", 1, "01/01/2026"),
        # Dates inside URLs stay: the files are served by their recorded paths.
        (
            '<img src="/res/news/2020/02/13-02-2020-toa-dam.jpg">',
            5,
            '<img src="/res/news/2020/02/13-02-2020-toa-dam.jpg">',
        ),
        ("/tin-tuc/2020-02-13/bai-viet", 5, "/tin-tuc/2020-02-13/bai-viet"),
        ("31/02/2020", 1, "31/02/2020"),  # not a date
    ],
)
def test_the_mirror_moves_every_date_a_page_shows_and_none_in_its_urls(recorded, days, served):
    assert shift_dates(recorded, days) == served


def test_the_shift_puts_the_sites_newest_recorded_article_yesterday():
    # liferay_danang's newest article (expected/*.json) was published on 2020-02-13, 17 days before
    # 2020-03-01 (a leap year).
    assert days_to_today(SITES_DIR / "liferay_danang", today=date(2020, 3, 1)) == 17 - 1
    assert days_to_today(SITES_DIR / "liferay_danang", days_ago=10, today=date(2020, 3, 1)) == 17 - 10


def test_the_demo_shows_only_the_portals_it_serves(tmp_path, monkeypatch):
    with SiteMirror(SITES_DIR / "tintuc_hcm") as mirror:
        registry = tmp_path / "demo.toml"
        registry.write_text(mirror.registry_text(), encoding="utf-8")
        assert {"hanoi", "fx_tintuc"} <= set(load_registry([registry]))
        monkeypatch.setenv("PORTALNEWS_BUILTIN_PORTALS", "0")
        assert set(load_registry([registry])) == {"fx_tintuc"}


@pytest.mark.slow
def test_demo_health_is_green_for_a_live_looking_portal_and_red_for_the_one_that_went_silent(
    db_url, tmp_path
):
    """Two recorded portals crawled by the real pipeline from mirrors that move their dates as `make demo`
    does: tintuc_hcm's newest article yesterday, liferay_danang's 10 days ago."""
    portals = []
    for site, days_ago in (("tintuc_hcm", 1), ("liferay_danang", 10)):
        with SiteMirror(SITES_DIR / site, shift_days=days_to_today(SITES_DIR / site, days_ago)) as mirror:
            registry = tmp_path / f"{site}.toml"
            registry.write_text(mirror.registry_text(), encoding="utf-8")
            (portal,) = load_registry([registry], include_builtin=False).values()
            register_portals(db_url, [portal])
            assert jobs.run_portal(db_url, portal, [registry])["status"] == "success"
            portals.append(portal)
    health = {h.portal: h for h in compute_health(db_url, portals)}
    live, silent = health["fx_tintuc"], health["fx_liferay"]
    assert live.status == "ok", live.reasons
    assert 0 < live.newest_article_age_hours < 72 and sum(live.daily_counts) >= 1  # bars on the 28-day chart
    assert silent.status == "alert"
    assert len(silent.reasons) == 1 and silent.reasons[0].startswith("newest article is ")
    assert 9 * 24 < silent.newest_article_age_hours < 11 * 24
    assert query(db_url, "SELECT count(*) AS n FROM portal_health_latest WHERE status = 'ok'")[0]["n"] == 1


# ---- ports -------------------------------------------------------------------------------------
@pytest.fixture
def taken_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _portalnews(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "portalnews.cli", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **env})


def test_up_on_a_port_in_use_is_a_one_line_error_naming_it(taken_port, tmp_path):
    result = _portalnews("up", "--port", str(taken_port), PORTALNEWS_HOME=str(tmp_path / "home"))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"portalnews: port {taken_port} on 127.0.0.1 (the Airflow UI's) is in use; choose another with "
        "`portalnews up --port N` (make run PORT=N)"]


def test_mirror_on_a_port_in_use_is_a_one_line_error_naming_it(taken_port):
    result = _portalnews("mirror", str(SITES_DIR / "tintuc_hcm"), "--port", str(taken_port))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"portalnews mirror: cannot listen on port {taken_port} on 127.0.0.1 (for tintuc_hcm): "
        "Address already "
        "in use; choose another first port with --port N (make demo MIRROR_PORT=N)"
    ]


def test_make_passes_the_ports_on():
    dry = subprocess.run(["make", "-n", "-C", str(REPO), "run", "demo", "PORT=8123", "MIRROR_PORT=8900"],
                         capture_output=True, text=True, timeout=60)
    assert "portalnews up --port 8123" in dry.stdout
    assert "--port 8900 --write-registry var/demo-registry.toml" in dry.stdout
    assert "PORTALNEWS_BUILTIN_PORTALS=0" in dry.stdout and "--silent-for liferay_danang=10" in dry.stdout
