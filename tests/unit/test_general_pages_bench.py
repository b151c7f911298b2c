"""The general-pages set (bench/general_pages.py): how it reads the annotations, compares bylines and counts
the two parts.

The real pages come from a PyPI source distribution fetched on the bench's first run; these tests use
pages written here, so they need no network.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support import general_pages  # noqa: E402
from tests.support.extraction_benchmark import held_back  # noqa: E402

PROSE = ("<p>The council met on Tuesday to discuss the quarterly report and the budget for the coming year, "
         "and members asked for more time before the final vote on the new transport plan for the city.</p>"
         "<p>The vote is now planned for next month, after a public hearing in the town hall where residents "
         "can put their questions to the members of the council and to the mayor of the city.</p>")


def _page(byline: str, date: str) -> str:
    return (f'<html><head><title>Council vote</title><meta name="author" content="{byline}">'
            f'<meta property="article:published_time" content="{date}"></head><body><article>'
            f"<h1>Council vote</h1>{PROSE}</article></body></html>")


def test_the_annotations_name_their_source_and_every_page_has_both_fields():
    annotations = general_pages.load_annotations()
    assert set(annotations["source"]) == {"package", "version", "sha256", "folder"}
    assert len(annotations["pages"]) >= 25
    for truth in annotations["pages"].values():
        assert set(truth) == {"published", "authors"}
        assert truth["authors"] is None or isinstance(truth["authors"], list)


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
        tuning: {"published": "2019-06-27", "authors": ["Anna Schmidt"]},
        held: {"published": "2018-01-18", "authors": []},
    }
    (tmp_path / tuning).write_text(_page("Anna Schmidt", "2019-06-27T10:00:00+02:00"), encoding="utf-8")
    (tmp_path / held).write_text(_page("Peter Braun", "2018-01-18T23:30:00+01:00"), encoding="utf-8")
    totals, answers = general_pages.score(pages, tmp_path)
    project = totals["project"]
    assert project["tuning"] == [1, 1, 1, 1]
    assert project["held-back"] == [1, 1, 0, 1]  # a byline where the truth is "no author": a miss
    assert project["all"] == [2, 2, 1, 2]
    assert answers[held]["project"] == ("2018-01-18", "Peter Braun")
    assert set(totals) == {"project", "trafilatura"}
