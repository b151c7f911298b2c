"""Loud failure: a portal that suddenly yields nothing, or whose pages stop giving dates, alerts."""

from __future__ import annotations

import pytest

from portalnews import jobs
from tests.support.database import query

TEMPLATE_WITHOUT_LINKS = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Tin tức</title></head>
<body><div id="app">Đang tải...</div><script src="/static/app.js"></script></body></html>"""  # noqa: E501 (test data, kept as served)


def test_a_portal_whose_listing_links_vanish_marks_its_run_as_alert(db_url, serve_site):
    site = serve_site("liferay_danang")
    for url in site.portal.start_urls:
        site.mirror.replace(url.removeprefix(site.mirror.origin), TEMPLATE_WITHOUT_LINKS)

    run = jobs.run_portal(db_url, site.portal, [site.registry_file])

    assert run["status"] == "alert"
    assert "zero yield" in run["message"]
    history = query(db_url, "SELECT status, message FROM crawl_runs WHERE portal = %s", (site.portal.id,))
    assert [h["status"] for h in history] == ["alert"]
    assert "templates/URL patterns changed" in history[0]["message"]


def test_finish_run_raises_so_the_airflow_report_task_turns_red(db_url, serve_site):
    site = serve_site("liferay_danang")
    run_id = jobs.start_run(db_url, site.portal)
    with pytest.raises(jobs.PortalAlert, match="zero yield"):
        jobs.finish_run(db_url, site.portal, run_id, {"crawl": {"article_links_found": 0, "requests": 3}})


def test_articles_that_lose_their_dates_raise_a_drift_alert(db_url, serve_site):
    site = serve_site("liferay_danang")
    for n, want in enumerate(site.expected):
        body = f"<html><head><meta charset='utf-8'></head><body><h1>Bài viết số {n} không có ngày</h1>"
        body += "".join(f"<p>Đoạn văn thứ {i} của bài viết số {n}, mẫu trang mới đã bỏ dòng ngày đăng "
                        f"và tên tác giả khỏi phần đầu bài.</p>" for i in range(6))
        site.mirror.replace(want["path"], body + "</body></html>")

    run = jobs.run_portal(db_url, site.portal, [site.registry_file])

    assert run["status"] == "alert"
    assert "drift" in run["message"] and "no published date" in run["message"]
