"""The load stage's Simhash (pipelines/load/dedupe.py) is trafilatura's, value for value: stored
`body_simhash` values stay comparable with those computed before and with trafilatura's own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from trafilatura.deduplication import Simhash

from portalnews.pipelines.load import dedupe
from portalnews.vietnamese.text import dedupe_form

SITES = Path(__file__).resolve().parents[1] / "fixtures" / "sites"
BODIES = sorted(json.loads(path.read_text(encoding="utf-8"))["body"]
                for path in SITES.glob("*/expected/*.json"))


def test_every_fixture_article_body_gets_trafilaturas_simhash():
    assert len(BODIES) >= 30
    for body in BODIES:
        form = dedupe_form(body)
        assert dedupe.simhash_of_form(form).hash == Simhash(form).hash, body[:80]


@pytest.mark.parametrize("text", [
    "",  # no token: every counter is 0, so every bit is set
    "Hà Nội",  # fewer tokens than bits
    "một hai ba bốn năm sáu bảy tám chín mười " * 40,  # repeated tokens count each time
    "。、「」",  # no latin token: trafilatura's punctuation fallback
    "2025 12 03 ubnd tp hcm",
    " ".join(f"chữ{i % 3000}" for i in range(65_535)),  # as many tokens as a counter holds
    " ".join(f"chữ{i % 3000}" for i in range(70_000)),  # more: the library's own computation
])
def test_edge_texts_get_trafilaturas_simhash(text):
    assert dedupe.simhash_of_form(text).hash == Simhash(text).hash
    assert dedupe.simhash(text).to_hex() == Simhash(dedupe_form(text)).to_hex()
