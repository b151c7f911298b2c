"""Alerts reach a person: a red `report`, a task failing after its retries or a red health check
sends one message per incident through Airflow's Apprise notifier, configured by the Airflow
Connection `portalnews_alerts`, here pointing at a real webhook receiver on 127.0.0.1."""

from __future__ import annotations

import subprocess

import pytest

from tests.support.airflow_env import airflow_test_env
from tests.support.database import query
from tests.support.webhook import WebhookReceiver


@pytest.fixture
def webhook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


def _dags_test(env: dict, dag_id: str) -> str:
    result = subprocess.run(
        ["airflow", "dags", "test", dag_id], env=env, capture_output=True, text=True, timeout=300
    )
    return result.stdout + result.stderr


@pytest.mark.slow
def test_a_portal_that_stays_down_sends_one_message_until_it_is_well_again(
    db_url, serve_site, airflow_metadata_url, webhook
):
    site = serve_site("liferay_danang")
    def maintenance(note: str) -> None:
        for url in site.portal.start_urls:
            site.mirror.replace(
                url.removeprefix(site.mirror.origin), f"<html><body>Đang bảo trì {note}</body></html>"
            )

    maintenance("từ 7 giờ")
    env = airflow_test_env(db_url, airflow_metadata_url, site.registry_file)
    env["AIRFLOW_CONN_PORTALNEWS_ALERTS"] = webhook.apprise_connection
    dag_id = f"portalnews_{site.portal.id}"

    first = _dags_test(env, dag_id)
    assert "zero yield" in first
    assert len(webhook.messages) == 1, first[-3000:]
    message = webhook.messages[0]
    assert site.portal.id in message["title"] and "zero yield" in message["title"]
    assert f"Portal: {site.portal.id}" in message["message"]
    assert "Reason: zero yield: no article links discovered" in message["message"]
    assert "requests" in message["message"]  # the figures behind the reason
    assert f"/dags/{dag_id}/runs/" in message["message"] and "/tasks/report" in message["message"]
    assert message["type"] == "failure"

    maintenance("đến 12 giờ")  # a changed page (an unchanged one answers 304, which is no alert)
    second = _dags_test(env, dag_id)  # the next hourly run: still down, same incident
    assert "zero yield" in second, second[-5000:]
    assert len(webhook.messages) == 1
    (incident,) = query(
        db_url, "SELECT portal, source, occurrences, notified_at, resolved_at FROM alert_incidents"
    )
    assert (incident["portal"], incident["source"], incident["occurrences"]) == (site.portal.id, "run", 2)
    assert incident["notified_at"] is not None and incident["resolved_at"] is None

    site.mirror.stop()
    restored = serve_site("liferay_danang")  # the portal is back (fresh server, same pages)
    env = airflow_test_env(db_url, airflow_metadata_url, restored.registry_file)
    env["AIRFLOW_CONN_PORTALNEWS_ALERTS"] = webhook.apprise_connection
    third = _dags_test(env, dag_id)
    assert "is well again" in third, third[-3000:]
    assert query(db_url, "SELECT resolved_at FROM alert_incidents")[0]["resolved_at"] is not None
    assert len(webhook.messages) == 1
    runs = query(db_url, "SELECT status FROM crawl_runs ORDER BY id")
    assert [r["status"] for r in runs] == ["alert", "alert", "success"]


@pytest.mark.slow
def test_an_unhealthy_portal_fails_its_health_check_and_sends_its_reasons(
    db_url, serve_site, airflow_metadata_url, webhook
):
    site = serve_site("liferay_danang")
    env = airflow_test_env(db_url, airflow_metadata_url, site.registry_file)
    env["AIRFLOW_CONN_PORTALNEWS_ALERTS"] = webhook.apprise_connection
    # The portal ran once, five days ago, and its newest article is from then.
    query(db_url, "INSERT INTO portals (id, name, base_url) VALUES (%s, 'x', 'x')", (site.portal.id,))
    query(
        db_url,
        "INSERT INTO crawl_runs (portal, status, started_at, finished_at)"
        " VALUES (%s, 'success', now() - interval '5 days', now() - interval '5 days')",
        (site.portal.id,),
    )
    query(
        db_url,
        "INSERT INTO articles (portal, url, canonical_url, body, body_fingerprint, extractor_version,"
        " published_at) VALUES (%s, 'u', 'c', 'b', 'f', 'v', now() - interval '5 days')",
        (site.portal.id,),
    )

    output = _dags_test(env, "portalnews_health")

    assert "PortalUnhealthy" in output and "newest article is 120 h old (limit 72 h)" in output
    (message,) = webhook.messages
    assert f"Portal: {site.portal.id}" in message["message"]
    assert "Flagged by: the health check" in message["message"]
    assert (
        "newest article is 120 h old" in message["message"]
        and "last successful run 120 h ago" in message["message"]
    )
    assert f"/tasks/check_{site.portal.id}" in message["message"]
    (stored,) = query(
        db_url, "SELECT status, reasons FROM portal_health_latest WHERE portal = %s", (site.portal.id,)
    )
    assert stored["status"] == "alert" and len(stored["reasons"]) == 2
