"""Scrapy setting names a registry entry may override: a misspelt one is warned about, not ignored."""

from __future__ import annotations

from difflib import get_close_matches

from scrapy.settings import default_settings

from portalnews.spiders import settings as project_settings

KNOWN_SETTINGS = frozenset(
    name for module in (default_settings, project_settings) for name in vars(module) if name.isupper()
)


def unknown_setting_warnings(settings: dict) -> list[str]:
    """One line per name Scrapy and this project do not know, with the closest known name."""
    warnings = []
    for name in sorted(settings):
        if name in KNOWN_SETTINGS:
            continue
        close = get_close_matches(str(name), KNOWN_SETTINGS, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        warnings.append(f"unknown Scrapy setting {name!r}{hint}: it has no effect")
    return warnings
