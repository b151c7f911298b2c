"""The documentation holds: every relative link and anchor of README.md, docs/*.md and bench/README.md
resolves, every repository path it names in backquotes exists, every `portalnews` command it shows is
one the command line accepts, and the README stays a ten-minute read."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from portalnews.cli import build_parser
from tests.support.docs import DOCUMENTS, portalnews_commands
from tests.support.paths import REPO

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
# A path into the repository's own folders, as the documents write them in backquotes.
REPO_PATH = re.compile(r"`((?:portalnews|spiders|pipelines|dags|tests|bench|docs)/[\w./-]*)`")


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return {github_anchor(m) for m in re.findall(r"^#+ (.+)$", text, flags=re.M)}


def links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


def test_the_guides_and_the_readme_are_all_read():
    names = {str(p.relative_to(REPO)) for p in DOCUMENTS}
    assert {"README.md", "docs/operators.md", "docs/analysts.md", "docs/deploying.md", "docs/registry.md",
            "docs/security-and-reliability.md", "bench/README.md"} <= names


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves_and_every_anchor_exists(document):
    for target in links(document):
        file_part, _, anchor = target.partition("#")
        linked = (document.parent / file_part).resolve() if file_part else document
        assert linked.exists(), f"{document.name}: {target} links to a missing file"
        if anchor:
            assert anchor in anchors(linked), f"{document.name}: {target}: no heading with that anchor"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_repository_path_named_exists(document):
    text = document.read_text(encoding="utf-8")
    named = [p for p in REPO_PATH.findall(text) if not re.search(r"[<*]|\.\.\.", p)]
    missing = [p for p in named if not (REPO / p.rstrip("/")).exists()]
    assert not missing, f"{document.name} names paths that do not exist: {missing}"


def documented_invocations() -> list[tuple[str, list[str]]]:
    """Each documented `portalnews` command as argument lists: optional `[...]` parts dropped, every
    alternative of `a|b` tried, placeholders kept as the words they are."""
    invocations = []
    for document in DOCUMENTS:
        for command in portalnews_commands(document):
            words = shlex.split(re.sub(r"\[[^\]]*\]", "", command))[1:]
            choices = [
                word.split("|") if "|" in word and not word.startswith("-") else [word] for word in words
            ]
            width = max(len(c) for c in choices) if choices else 1
            for i in range(width):
                invocations.append((command, [c[min(i, len(c) - 1)] for c in choices]))
    return invocations


def test_the_documents_show_the_main_commands():
    shown = {args[0] for _, args in documented_invocations()}
    assert {
        "run",
        "check",
        "extract",
        "reextract",
        "db",
        "search",
        "export",
        "up",
        "mirror",
        "airflow",
    } <= shown


@pytest.mark.parametrize(
    ("command", "args"), documented_invocations(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_documented_command_is_accepted_by_the_command_line(command, args):
    try:
        build_parser().parse_args(args)
    except SystemExit as exit_:
        pytest.fail(f"`{command}` ({' '.join(args)}) is refused by the command line (exit {exit_.code})")


def test_the_readme_stays_short():
    assert len((REPO / "README.md").read_text(encoding="utf-8").splitlines()) <= 250


def test_the_python_versions_the_readme_and_makefile_promise_are_the_ones_pyproject_requires():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    accepted = SpecifierSet(project["project"]["requires-python"])
    readme = re.search(r"Python 3\.(\d+)–3\.(\d+)", (REPO / "README.md").read_text(encoding="utf-8"))
    makefile = re.search(r"Python 3\.(\d+)-3\.(\d+)", (REPO / "Makefile").read_text(encoding="utf-8"))
    assert readme and makefile and readme.groups() == makefile.groups()
    lowest, highest = map(int, readme.groups())
    assert all(f"3.{minor}" in accepted for minor in range(lowest, highest + 1))
    assert f"3.{lowest - 1}" not in accepted and f"3.{highest + 1}" not in accepted
    assert project["tool"]["ruff"]["target-version"] == f"py3{lowest}"
