"""bench/same_output.py: two checkouts' Articles compared page by page, with real extractions in child
processes (this checkout against itself, and against a copy of it whose extractor writes titles in
capitals)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "tests" / "fixtures" / "sites" / "tintuc_hcm"
PAGES = sorted((SITE / "pages").glob("*.html"))[:2]
CAPITAL_TITLES = '''
_extract_article = extract_article


def extract_article(html, url=None, hints=None):
    article = _extract_article(html, url, hints=hints)
    article.title = article.title.upper()
    return article
'''


def _run(base: Path, *options: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(REPO / "bench" / "same_output.py"), "--base", str(base), *options]
    return subprocess.run([*command, *map(str, PAGES)], capture_output=True, text=True, timeout=300, cwd=REPO)


def test_the_same_checkout_gives_the_same_articles_and_is_timed():
    assert len(PAGES) == 2
    done = _run(REPO, "--rounds", "2")
    assert done.returncode == 0, done.stderr
    assert "2 pages, 0 differ" in done.stdout
    assert "CPU per page, median of 2 rounds: before" in done.stdout


def test_a_checkout_whose_extractor_differs_is_named_page_by_page_and_field_by_field(tmp_path):
    base = tmp_path / "base"
    shutil.copytree(REPO / "portalnews", base / "portalnews", ignore=shutil.ignore_patterns("__pycache__"))
    with (base / "portalnews" / "extraction" / "__init__.py").open("a", encoding="utf-8") as module:
        module.write(CAPITAL_TITLES)
    done = _run(base, "--rounds", "0")
    assert done.returncode == 1, done.stderr
    assert "2 pages, 2 differ" in done.stdout
    changed = [line for line in done.stdout.splitlines() if ": title: " in line]
    assert len(changed) == 2 and all(str(SITE) in line for line in changed)
    before, after = changed[0].split(": title: ")[1].split(" -> ")
    assert before == before.upper() and after != after.upper()  # the base is the one in capitals
    assert "CPU per page" not in done.stdout
