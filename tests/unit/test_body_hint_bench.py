"""bench/body_hint.py: the NukeViet family's body hint against the generic cleaning, page by page, on a
small generated portal and the recorded NukeViet pages (real extractions, the real families.toml)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_hinted_and_the_generic_cleaning_give_the_same_articles(tmp_path):
    command = [sys.executable, str(REPO / "bench" / "body_hint.py"), "--articles", "12", "--workdir",
               str(tmp_path), "--rounds", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    counted = re.search(r"^(\d+) pages \(0 ExtractionError with the hint\), 0 differ$", done.stdout, re.M)
    assert counted and int(counted.group(1)) > 12  # the generated articles and the recorded NukeViet pages
    assert "CPU per page, median of 1 rounds: generic" in done.stdout
