"""Gold set: every expected article of every fixture portal, fetched over real HTTP from its mirror and
cleaned with the portal's own hints, compared with the truth written from the page."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from portalnews.extraction import extract_article
from portalnews.mirror import SiteMirror
from portalnews.registry import load_registry
from tests.support.metric import page_score

SITES_DIR = Path(__file__).parents[1] / "fixtures" / "sites"
WIDGET_TEXT = ("ĐÁNH GIÁ BÀI VIẾT", "In bài", "Chia sẻ", "Tin liên quan", "Bình luận")
MIN_RATES = {"title": 1.0, "published_at": 1.0, "author": 1.0}
MIN_BODY_F1 = 0.98


def _minute(value: str | None) -> str | None:
    return datetime.fromisoformat(value).isoformat(timespec="minutes") if value else None


def _body_f1(truth: str, prediction: str) -> float:
    score = page_score(truth, prediction)
    p, r = score.precision or 0.0, score.recall or 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


@pytest.fixture(scope="module")
def gold_results(tmp_path_factory) -> list[dict]:
    """(site, expected, extracted) for every expected/*.json of every fixture site."""
    results = []
    for site in sorted(p for p in SITES_DIR.iterdir() if (p / "portal.toml").exists()):
        with SiteMirror(site) as mirror:
            registry = tmp_path_factory.mktemp(site.name) / "portal.toml"
            registry.write_text(mirror.registry_text(), encoding="utf-8")
            (portal,) = load_registry([registry], include_builtin=False).values()
            for path in sorted((site / "expected").glob("*.json")):
                want = json.loads(path.read_text(encoding="utf-8"))
                url = mirror.url(want["path"])
                with urllib.request.urlopen(url, timeout=10) as response:
                    assert response.status == 200, url
                    html = response.read()
                got = extract_article(html, url, hints=portal.extract).to_json()
                results.append({"site": site.name, "name": path.stem, "want": want, "got": got})
    assert len(results) >= 32
    return results


def test_gold_set_rates_meet_the_bar(gold_results):
    n = len(gold_results)
    hits = {"title": 0, "published_at": 0, "author": 0}
    failures = []
    f1_total = 0.0
    for item in gold_results:
        want, got = item["want"], item["got"]
        checks = {
            "title": got["title"] == want["title"],
            "published_at": _minute(got["published_at"]) == _minute(want["published_at"]),
            "author": got["author"] == want["author"],
        }
        for key, ok in checks.items():
            hits[key] += ok
            if not ok:
                failures.append(f"{item['site']}/{item['name']} {key}: got {got[key]!r}, want {want[key]!r}")
        f1_total += _body_f1(want["body"], got["body"])
    rates = {key: hits[key] / n for key in hits}
    mean_f1 = f1_total / n
    print(f"\ngold set ({n} articles): " + ", ".join(f"{k} {v:.1%}" for k, v in rates.items())
          + f", mean body F1 {mean_f1:.4f}")
    for key, floor in MIN_RATES.items():
        assert rates[key] >= floor, "\n".join(failures)
    assert mean_f1 >= MIN_BODY_F1, mean_f1


def test_no_widget_text_in_any_body(gold_results):
    for item in gold_results:
        for widget in WIDGET_TEXT:
            assert widget not in item["got"]["body"], (item["site"], item["name"], widget)


def test_bodies_are_exact_and_start_with_the_sapo(gold_results):
    for item in gold_results:
        want, got = item["want"], item["got"]
        assert got["body"] == want["body"], f"{item['site']}/{item['name']}"
        if want["sapo"]:
            assert got["body"].startswith(want["sapo"])


def test_sapo_source_category_and_modified_date_match(gold_results):
    for item in gold_results:
        want, got = item["want"], item["got"]
        where = f"{item['site']}/{item['name']}"
        assert got["sapo"] == want["sapo"], where
        assert got["source"] == want["source"], where
        assert got["category"] == want["category"], where
        assert _minute(got["modified_at"]) == _minute(want["modified_at"]), where


def test_bodies_are_stored_in_normal_form(gold_results):
    import unicodedata

    for item in gold_results:
        for key in ("title", "body", "author", "sapo"):
            value = item["got"][key]
            if value:
                assert unicodedata.is_normalized("NFC", value), (item["name"], key)
                assert "\u00d0" not in value and "\u200b" not in value, (item["name"], key)


def test_captions_are_kept_with_images_not_in_the_body(gold_results):
    with_captions = 0
    for item in gold_results:
        for image in item["got"]["images"]:
            if image["caption"]:
                with_captions += 1
                assert image["caption"] not in item["got"]["body"], item["name"]
    assert with_captions >= 8
