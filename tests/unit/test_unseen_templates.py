"""Pages from templates the extractor was not written against (tests/fixtures/unseen/<template>/):
Vietnamese CMS and national-paper templates, and English pages naming their author in a meta tag,
JSON-LD, rel=author or a byline element. Each expected.json was written from what the page shows
before the extractor was run on it (bench/unseen.py prints the side-by-side figures).

On this set no figure may fall below bare trafilatura's (with its metadata), and every Vietnamese
page keeps the Vietnamese rules: the time to the minute, the byline out of the body, no widget text,
the sapo.
"""

from __future__ import annotations

import pytest

from tests.support.unseen_templates import (
    FIELDS,
    Fields,
    load_cases,
    page_checks,
    project_fields,
    totals,
    trafilatura_fields,
)

WIDGET_TEXT = ("In bài", "Chia sẻ", "Tin liên quan", "Gửi email", "Lượt xem", "Từ khóa")


@pytest.fixture(scope="module")
def cases():
    found = load_cases()
    assert len(found) >= 12
    return found


@pytest.fixture(scope="module")
def extracted(cases) -> dict[str, Fields]:
    return {case.name: project_fields(case) for case in cases}


@pytest.fixture(scope="module")
def side_by_side(cases, extracted):
    project = {case.name: page_checks(case, extracted[case.name]) for case in cases}
    bare = {case.name: page_checks(case, trafilatura_fields(case)) for case in cases}
    return totals(project), totals(bare), project


@pytest.mark.parametrize("field", FIELDS)
def test_no_figure_below_bare_trafilatura(side_by_side, field):
    project, bare, per_page = side_by_side
    misses = [name for name, checks in per_page.items() if checks[field] is not None and checks[field] < 1]
    assert project[field][0] >= bare[field][0], (
        f"{field}: {project[field]} vs trafilatura {bare[field]}; {misses}"
    )


def test_vietnamese_pages_keep_the_time_to_the_minute(cases, side_by_side):
    _, _, per_page = side_by_side
    wrong = [c.name for c in cases if c.want["vietnamese"] and per_page[c.name]["minute"] != 1.0]
    assert not wrong


def test_vietnamese_bylines_leave_the_body_and_become_the_author(cases, extracted):
    for case in (c for c in cases if c.want["vietnamese"]):
        got = extracted[case.name]
        assert got.author == case.want["author"], case.name
        assert got.body.splitlines()[-1].strip() != case.want["author"], case.name


def test_vietnamese_widgets_never_reach_the_body(cases, extracted):
    for case in (c for c in cases if c.want["vietnamese"]):
        body = extracted[case.name].body
        assert not [w for w in WIDGET_TEXT if w in body], case.name


def test_the_sapo_is_found_and_opens_the_body(cases):
    from portalnews.extraction import extract_article

    for case in (c for c in cases if c.want["sapo"]):
        article = extract_article(case.html, case.want["url"])
        assert article.sapo == case.want["sapo"], case.name
        assert article.body.startswith(case.want["sapo"]), case.name
