"""The documentation as the tests read it: README.md, the guides in docs/ and bench/README.md, with the
SQL statements and shell commands they show."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.paths import REPO

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "bench" / "README.md"]


def fenced_blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def sql_statements(path: Path) -> list[tuple[str, bool]]:
    """Every SQL statement of the document's ```sql blocks, and whether it should return rows on the demo
    data (the document marks those that cannot: "-- empty on demo data")."""
    statements, current = [], []
    for block in fenced_blocks(path, "sql"):
        for line in block.splitlines():
            code, _, comment = line.partition("--")
            if code.strip():
                current.append(code.rstrip())
            if code.rstrip().endswith(";"):
                statements.append(("\n".join(current).rstrip(";"), "empty on demo data" not in comment))
                current = []
    return statements


def portalnews_commands(path: Path) -> list[str]:
    """Every `portalnews ...` command line of the document's ```sh blocks (continuation lines joined,
    comments dropped)."""
    commands = []
    for block in fenced_blocks(path, "sh"):
        for line in block.replace("\\\n", " ").splitlines():
            code = line.split(" #", 1)[0].strip()
            if code.startswith("portalnews "):
                commands.append(code)
    return commands
