"""The general-pages set (real non-Vietnamese news and blog pages with published days, bylines and body
anchors written by reading them, bench/general_pages.json), as the tests and bench/general_pages.py read
and score it: the annotations, fetching the pages from the PyPI source distributions that ship them, the
reference body built from the anchors, the two extractors compared and the per-part figures. The tuning /
held-back split is the 181-page benchmark's rule (`held_back`); body F1 is its metric
(tests/support/metric.py)."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tarfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

from lxml import html as lxml_html

from tests.support.extraction_benchmark import held_back
from tests.support.metric import PageScore, aggregate, page_score

REPO = Path(__file__).resolve().parents[2]
ANNOTATIONS = REPO / "bench" / "general_pages.json"
DEFAULT_DIR = REPO / "var" / "general-pages"
_NAME_SEPARATORS = re.compile(r"\s*(?:[;,&]|\band\b)\s*")


def load_annotations() -> dict:
    return json.loads(ANNOTATIONS.read_text(encoding="utf-8"))


class PagesUnavailable(RuntimeError):
    """pip could not download a source distribution because the package index did not answer."""


# What pip prints when the index cannot be reached: connection errors, or no version at all of a package
# that PyPI has (a reachable index lists the versions it has when the pinned one is missing).
_UNREACHABLE = re.compile(
    r"NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution|"
    r"Max retries exceeded|ProxyError|Network is unreachable|\(from versions: none\)"
)


def fetch_pages(directory: Path, source: dict) -> Path:
    """The folder of one source's pages, fetched and unpacked from its sdist on the first run."""
    prefix = f"{source['package']}-{source['version']}"
    folder = directory / prefix / source["folder"]
    if folder.is_dir():
        return folder
    directory.mkdir(parents=True, exist_ok=True)
    sdist = directory / f"{prefix}.tar.gz"
    if not sdist.exists():
        requirement = f"{source['package']}=={source['version']}"
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                               "--no-binary", ":all:", requirement, "-d", str(directory)],
                              capture_output=True, text=True)
        if done.returncode != 0 or not sdist.exists():
            last_line = (done.stderr.strip().splitlines() or ["no output"])[-1]
            message = f"pip download {requirement} failed: {last_line}"
            raise (PagesUnavailable if _UNREACHABLE.search(done.stderr) else RuntimeError)(message)
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != source["sha256"]:
        raise SystemExit(f"{sdist}: sha256 {digest}, expected {source['sha256']}")
    with tarfile.open(sdist) as tar:
        inside = f"{prefix}/{source['folder']}/"
        wanted = [m for m in tar.getmembers() if m.name.startswith(inside) and m.isfile()]
        tar.extractall(directory, members=wanted, filter="data")
    return folder


# Elements whose start and end break the visible text into blocks (as a browser lays them out).
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
})
# Elements whose text is never shown.
_INVISIBLE_TAGS = frozenset({
    "script", "style", "noscript", "template", "head", "title", "svg", "iframe", "object", "select",
})


def _decoded(page: bytes) -> str | bytes:
    """UTF-8 pages as text; other pages as bytes, so that lxml reads their meta charset."""
    try:
        return page.decode("utf-8")
    except UnicodeDecodeError:
        return page


def _spacing_aside(text: str) -> str:
    """Spaces collapsed, composed characters (some pages write "é" as "e" and a combining accent)."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


def visible_blocks(page: bytes) -> list[str]:
    """The page's visible text as a browser breaks it into blocks: one string per run of text between
    block-level boundaries (paragraphs, headings, list items, table cells, <br>), spaces collapsed and
    characters composed, empty blocks dropped. Hidden elements (the `hidden` attribute, an inline
    display:none) are left out."""
    root = lxml_html.document_fromstring(_decoded(page))
    blocks: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = _spacing_aside(" ".join(current))
        if text:
            blocks.append(text)
        current.clear()

    def walk(element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        style = (element.get("style") or "").replace(" ", "").lower()
        if not tag or tag in _INVISIBLE_TAGS or element.get("hidden") is not None \
                or "display:none" in style:
            return
        block = tag in _BLOCK_TAGS
        if block:
            flush()
        if element.text:
            current.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                current.append(child.tail)
        if block:
            flush()

    walk(root)
    flush()
    return blocks


def reference_body(page: bytes, anchors: dict) -> str:
    """The body written from the page: its visible blocks from the one holding `body_first` (cut to start
    there) to the next one ending with `body_last`, minus the blocks in between that begin with one of the
    `body_skip` snippets (captions, ad lines, "Read more"). Anchors match spacing aside; an anchor the page
    does not hold is an error in the annotations (ValueError)."""
    first, last = _spacing_aside(anchors["body_first"]), _spacing_aside(anchors["body_last"])
    skips = [_spacing_aside(snippet) for snippet in anchors.get("body_skip", [])]
    blocks = visible_blocks(page)
    start = next((i for i, block in enumerate(blocks) if first in block), None)
    if start is None:
        raise ValueError(f"body_first {first!r} is in no visible block of the page")
    blocks[start] = blocks[start][blocks[start].index(first):]
    end = next((i for i in range(start, len(blocks)) if blocks[i].endswith(last)), None)
    if end is None:
        raise ValueError(f"body_last {last!r} ends no visible block from body_first on")
    chosen = blocks[start:end + 1]
    unused = [snippet for snippet in skips if not any(block.startswith(snippet) for block in chosen)]
    if unused:
        raise ValueError(f"body_skip {unused[0]!r} begins no block between the anchors")
    return "\n".join(block for block in chosen if not block.startswith(tuple(skips)))


def names(author: str | None) -> frozenset[str]:
    """The set of names in a byline, in a comparison form (case and spacing aside)."""
    if not author:
        return frozenset()
    return frozenset(" ".join(name.split()).casefold()
                     for name in _NAME_SEPARATORS.split(author) if name.strip())


def project(html: bytes) -> tuple[str | None, str | None, str]:
    """(published day, author, body) of the project's cleaning; an ExtractionError finds nothing."""
    from portalnews.extraction import ExtractionError, extract_article

    try:
        article = extract_article(html)
    except ExtractionError:
        return None, None, ""
    day = article.published_at.date().isoformat() if article.published_at else None
    return day, article.author, article.body


def trafilatura_bare(html: bytes) -> tuple[str | None, str | None, str]:
    """Bare trafilatura: metadata from `bare_extraction(with_metadata=True)`, the body from default
    `extract` (as bench/extraction.py scores it on the 181-page benchmark)."""
    import trafilatura

    document = trafilatura.bare_extraction(html, with_metadata=True)
    body = trafilatura.extract(html) or ""
    if document is None:
        return None, None, body
    return (document.date or None), (document.author or None), body


EXTRACTORS: dict[str, Callable[[bytes], tuple[str | None, str | None, str]]] = {
    "project": project,
    "trafilatura": trafilatura_bare,
}
PARTS = ("tuning", "held-back", "all")


def score(pages: dict, folders: dict[str, Path]) -> tuple[dict, dict]:
    """Figures of each extractor on each part, and the per-page answers.

    figures[extractor][part] = {"day": [hits, scored], "author": [hits, scored], "body": Score}; the body
    is scored on the pages with body anchors. `folders` maps each page's source to its folder."""
    hits = {name: {part: {"day": [0, 0], "author": [0, 0]} for part in PARTS} for name in EXTRACTORS}
    bodies: dict[str, dict[str, list[PageScore]]] = {name: {p: [] for p in PARTS} for name in EXTRACTORS}
    answers: dict[str, dict] = {}
    for file_name, truth in sorted(pages.items()):
        html = (folders[truth["source"]] / file_name).read_bytes()
        reference = reference_body(html, truth) if "body_first" in truth else None
        part = "held-back" if held_back(file_name) else "tuning"
        answers[file_name] = {}
        for name, extractor in EXTRACTORS.items():
            day, author, body = extractor(html)
            answers[file_name][name] = (day, author, body)
            for counts in (hits[name][part], hits[name]["all"]):
                if truth["published"] is not None:
                    counts["day"][0] += day == truth["published"]
                    counts["day"][1] += 1
                if truth["authors"] is not None:
                    counts["author"][0] += names(author) == names("; ".join(truth["authors"]))
                    counts["author"][1] += 1
            if reference is not None:
                for scored in (bodies[name][part], bodies[name]["all"]):
                    scored.append(page_score(reference, body))
    figures = {name: {part: {**hits[name][part], "body": aggregate(bodies[name][part])} for part in PARTS}
               for name in EXTRACTORS}
    return figures, answers


def below_trafilatura(figures: dict) -> list[str]:
    """The figures where the project is below bare trafilatura, e.g. "body F1 held-back 0.912 < 0.920"."""
    project, bare = figures["project"], figures["trafilatura"]
    worse = []
    for part in PARTS:
        for field in ("day", "author"):
            if project[part][field][0] < bare[part][field][0]:
                worse.append(f"{field} {part} {project[part][field][0]} < {bare[part][field][0]}")
        if round(project[part]["body"].f1, 4) < round(bare[part]["body"].f1, 4):
            worse.append(f"body F1 {part} {project[part]['body'].f1:.4f} < {bare[part]['body'].f1:.4f}")
    return worse
