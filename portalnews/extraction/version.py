"""The extractor version stored with every extraction: `portalnews reextract` re-cleans what is stale.

It names everything that changes results: the project's own rules (bump EXTRACTION_RULES_VERSION when they
change what is returned) and the versions of the libraries doing the work.
"""

from __future__ import annotations

import htmldate
import lxml
import trafilatura

EXTRACTION_RULES_VERSION = "2026.12.5"
# The libraries' own __version__ (the same strings as their distributions' versions):
# importlib.metadata.version() scans every installed distribution, 40 ms of CPU at each start-up
# in a full Airflow environment.
_LIBRARIES = (trafilatura, htmldate, lxml)

EXTRACTOR_VERSION = EXTRACTION_RULES_VERSION + "+" + "+".join(
    f"{module.__name__}-{module.__version__}" for module in _LIBRARIES)
