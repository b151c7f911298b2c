"""The NukeViet family's body hint (portalnews/registry/families.toml): every NukeViet portal reads the
article from `<div id="news-bodyhtml">`, NukeViet's article template, and loses nothing of what sits
around it there: the lead above it, the author and source lines under it, the images inside it.

tests/fixtures/family_pages/<page>/page.html is written in the form of NukeViet 4's default theme
(modules/news/detail.tpl), its expected.json written from what the page shows before the extractor ran
on it. bench/body_hint.py compares the hinted and the generic cleaning on the generated benchmark portal.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portalnews.extraction import extract_article
from portalnews.extraction.page import ParsedPage
from portalnews.extraction.prose import find_container
from portalnews.registry import load_registry

FIXTURES = Path(__file__).parents[1] / "fixtures"
FAMILY_PAGE = FIXTURES / "family_pages" / "nukeviet_default_theme"
UNSEEN_NUKEVIET = FIXTURES / "unseen" / "nukeviet_news"
FIELDS = ("title", "published_at", "author", "source", "category", "sapo", "images", "body")
ENTRY = """
[[portal]]
id = "{id}"
name = "NukeViet portal"
base_url = "https://{id}.example.dcs.vn/"
start_urls = ["https://{id}.example.dcs.vn/news/"]
family = "nukeviet"
"""


def _portal(tmp_path: Path, extract: str = ""):
    registry = tmp_path / "registry.toml"
    registry.write_text(ENTRY.format(id="tinhuy") + extract, encoding="utf-8")
    (portal,) = load_registry([registry], include_builtin=False).values()
    return portal


def _page(directory: Path) -> tuple[str, dict]:
    want = json.loads((directory / "expected.json").read_text(encoding="utf-8"))
    return (directory / "page.html").read_text(encoding="utf-8"), want


def test_a_nukeviet_portal_inherits_the_body_hint(tmp_path):
    assert _portal(tmp_path).extract["body"] == ("//div[@id='news-bodyhtml']",)


def test_a_portal_keeps_the_family_hint_beside_its_own_and_can_turn_it_off(tmp_path):
    own = _portal(tmp_path, '[portal.extract]\ntitle = ["//h1"]\n').extract
    assert own == {"body": ("//div[@id='news-bodyhtml']",), "title": ("//h1",)}
    assert _portal(tmp_path, "[portal.extract]\nbody = []\n").extract == {"body": ()}


def test_the_hinted_page_keeps_every_field_around_the_body(tmp_path):
    html, want = _page(FAMILY_PAGE)
    got = extract_article(html, want["url"], hints=_portal(tmp_path).extract).to_json()
    assert {field: got[field] for field in FIELDS} == {field: want[field] for field in FIELDS}


def test_the_body_is_read_from_the_container_and_placed_in_the_page(tmp_path):
    html, want = _page(FAMILY_PAGE)
    page = ParsedPage.parse(html, want["url"], _portal(tmp_path).extract)
    assert page.body_is_hinted
    container = page.in_page(find_container(page))
    assert container is not None and container.get("id") == "news-bodyhtml"
    assert container.getroottree().getroot() is page.tree  # the page's own element, not the copy's


def test_a_page_without_the_container_is_cleaned_generically(tmp_path):
    html, want = _page(FAMILY_PAGE)
    html = html.replace('id="news-bodyhtml"', 'id="news-body"')
    hints = _portal(tmp_path).extract
    assert not ParsedPage.parse(html, want["url"], hints).body_is_hinted
    got = extract_article(html, want["url"], hints=hints).to_json()
    assert {field: got[field] for field in FIELDS} == {field: want[field] for field in FIELDS}


@pytest.mark.parametrize("directory", [FAMILY_PAGE, UNSEEN_NUKEVIET], ids=lambda d: d.name)
def test_hint_on_and_off_give_the_same_article(tmp_path, directory):
    html, want = _page(directory)
    hinted = extract_article(html, want["url"], hints=_portal(tmp_path).extract)
    hint_off = _portal(tmp_path, "[portal.extract]\nbody = []\n").extract
    generic = extract_article(html, want["url"], hints=hint_off)
    assert hinted.to_json() == generic.to_json()
    assert (hinted.author, hinted.sapo) == (want["author"], want["sapo"])
