"""The extractor version stored with every extraction: `portalnews reextract` re-cleans what is stale.

It names everything that changes results: the project's own rules (bump RULES_VERSION when they
change what is returned) and the versions of the libraries doing the work.
"""

from __future__ import annotations

from importlib.metadata import version

RULES_VERSION = "2026.11.4"
_LIBRARIES = ("trafilatura", "htmldate", "lxml")

EXTRACTOR_VERSION = RULES_VERSION + "+" + "+".join(f"{name}-{version(name)}" for name in _LIBRARIES)
