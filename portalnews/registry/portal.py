"""The portal registry: which portals exist and how to crawl and clean each.

Entries are TOML (`[[portal]]` tables). The built-in `portalnews/registry/portals.toml` is read first, then
any files named with `--registry FILE` or in PORTALNEWS_REGISTRY; a later entry with the same `id` replaces an
earlier one, so a user corrects a portal without touching code.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from portalnews.config import builtin_portals
from portalnews.registry.validation import (
    TABLE_KEYS,
    RegistryError,
    check_types,
    check_urls,
    check_values,
    read_entries,
)

BUILTIN_REGISTRY = Path(__file__).with_name("portals.toml")  # portalnews/registry/portals.toml
FAMILIES_FILE = Path(__file__).with_name("families.toml")

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
# FiveFilters/Wallabag site-config vocabulary, values are XPath expressions.
EXTRACT_KEYS = {"title", "body", "date", "author", "strip", "strip_id_or_class", "category", "test_url"}
# [portal.health]: when the portalnews_health DAG flags the portal (defaults here; any key may be overridden).
HEALTH_DEFAULTS = {
    "max_article_age_hours": 72.0,     # newest article older than this
    "min_yield_ratio": 0.3,            # last 24 h against the 28-day mean per day...
    "min_baseline_per_day": 2.0,       # ...checked only for portals publishing at least this much
    "max_no_date_share": 0.5,          # cleaned pages of the last 7 days without a published date
    "max_no_body_share": 0.5,          # pages of the last 7 days without an article body
    "max_open_fetch_failures": 25.0,   # article URLs whose fetch keeps failing
    "max_hours_since_success": 48.0,   # since the last successful run
}


# revisit_after: an article is re-fetched 1 h, 6 h, 1 day, 3 days and 7 days after it was first seen.
REVISIT_AFTER_DEFAULT = (3600, 6 * 3600, 86400, 3 * 86400, 7 * 86400)
_DURATION = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")
_DURATION_SECONDS = {"m": 60, "h": 3600, "d": 86400}


def _durations(value: Any, where: str) -> tuple[int, ...]:
    """["1h", "6h", "1d"] -> seconds, ascending; an empty list turns revisits off."""
    if value is None:
        return REVISIT_AFTER_DEFAULT
    given = _as_tuple(value, where)
    matches = [match for v in given if isinstance(v, str) and (match := _DURATION.match(v))]
    if len(matches) != len(given):
        raise RegistryError(f"{where}: durations look like \"30m\", \"6h\" or \"3d\", got {value!r}")
    return tuple(sorted(int(m.group(1)) * _DURATION_SECONDS[m.group(2)] for m in matches))


@dataclass(frozen=True)
class Portal:
    id: str
    name: str
    base_url: str
    start_urls: tuple[str, ...]
    article_url_pattern: str
    family: str | None = None
    listing_url_pattern: str | None = None
    host_aliases: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    canonical_query_keep: tuple[str, ...] | None = None  # None: keep all but tracking parameters
    sitemap_paths: tuple[str, ...] = ()
    feed_paths: tuple[str, ...] = ()
    schedule: str = "@hourly"
    max_listing_pages: int = 30
    backfill_max_listing_pages: int = 500
    min_articles_per_run: int = 0  # 0: a run that finds no new article is fine (an idle portal)
    settings: dict[str, Any] = field(default_factory=dict)  # Scrapy settings for this portal
    extract: dict[str, tuple[str, ...]] = field(default_factory=dict)  # XPath hints
    # Seconds after an article is first seen at which it is fetched again, to catch corrections.
    revisit_after: tuple[int, ...] = field(default_factory=lambda: REVISIT_AFTER_DEFAULT)
    health: dict[str, float] = field(default_factory=lambda: dict(HEALTH_DEFAULTS))  # health thresholds
    registry_file: str = ""  # the TOML file the entry came from

    # Cached: the crawl asks for these once per discovered link (tens of thousands a run).
    @cached_property
    def hosts(self) -> tuple[str, ...]:
        """Every host name that serves this portal (with and without www.)."""
        names = {urlsplit(self.base_url).hostname or ""} | set(self.host_aliases)
        names |= {urlsplit(u).hostname or "" for u in self.start_urls}
        out: set[str] = set()
        for name in filter(None, names):
            bare = name.lower().removeprefix("www.")
            out |= {bare, "www." + bare}
        return tuple(sorted(out))

    @cached_property
    def article_regex(self) -> re.Pattern[str]:
        return re.compile(self.article_url_pattern)

    @cached_property
    def listing_regex(self) -> re.Pattern[str] | None:
        return re.compile(self.listing_url_pattern) if self.listing_url_pattern else None


def _as_tuple(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise RegistryError(f"{where}: expected a string or a list of strings, got {value!r}")


def _load_families() -> dict[str, dict[str, Any]]:
    with FAMILIES_FILE.open("rb") as fh:
        return tomllib.load(fh)


def _with_family_defaults(entry: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """The entry over its family's defaults; in tables (extract, health, settings) key by key, so a
    portal giving its own `title` hint keeps the family's `body` hint, and `body = []` drops it."""
    merged = {**defaults, **entry}
    for key in TABLE_KEYS:
        if isinstance(defaults.get(key), dict) and isinstance(entry.get(key), dict):
            merged[key] = {**defaults[key], **entry[key]}
    return merged


def _portal_from_entry(
    entry: dict[str, Any], registry_file: str, families: dict[str, dict[str, Any]]
) -> Portal:
    where = f"{registry_file}: portal {entry.get('id', '?')!r}"
    check_types(entry, where)
    family = entry.get("family")
    if family is not None and family not in families:
        raise RegistryError(f"{where}: unknown family {family!r} (known: {', '.join(sorted(families))})")
    merged = _with_family_defaults(entry, families.get(family, {})) if family else dict(entry)

    for key in ("id", "name", "base_url", "start_urls", "article_url_pattern"):
        if key not in merged:
            raise RegistryError(f"{where}: missing required key {key!r}")
    if not ID_PATTERN.match(merged["id"]):
        raise RegistryError(f"{where}: id must match {ID_PATTERN.pattern} (it is used in DAG ids and SQL)")
    for key in ("article_url_pattern", "listing_url_pattern"):
        if merged.get(key):
            try:
                re.compile(merged[key])
            except re.error as err:
                raise RegistryError(f"{where}: {key} is not a valid regex: {err}") from err
    extract = merged.get("extract", {})
    unknown = set(extract) - EXTRACT_KEYS
    if unknown:
        raise RegistryError(f"{where}: unknown extract keys {sorted(unknown)}; use {sorted(EXTRACT_KEYS)}")
    health = merged.get("health", {})
    unknown = set(health) - set(HEALTH_DEFAULTS)
    if unknown:
        raise RegistryError(f"{where}: unknown health keys {sorted(unknown)}; use {sorted(HEALTH_DEFAULTS)}")
    known = set(Portal.__dataclass_fields__) - {"registry_file"}
    unknown = set(merged) - known
    if unknown:
        raise RegistryError(f"{where}: unknown keys {sorted(unknown)}")
    start_urls = _as_tuple(merged["start_urls"], f"{where}: start_urls")
    if not start_urls:
        raise RegistryError(f"{where}: start_urls is empty")
    check_types(merged, where)
    check_values(merged, where)
    check_urls(merged["base_url"], start_urls, _as_tuple(merged.get("sitemap_paths"), where)
               + _as_tuple(merged.get("feed_paths"), where), where)
    keep = merged.get("canonical_query_keep")
    return Portal(
        id=merged["id"],
        name=merged["name"],
        base_url=merged["base_url"],
        start_urls=start_urls,
        article_url_pattern=merged["article_url_pattern"],
        family=family,
        listing_url_pattern=merged.get("listing_url_pattern"),
        host_aliases=_as_tuple(merged.get("host_aliases"), f"{where}: host_aliases"),
        allowed_domains=_as_tuple(merged.get("allowed_domains"), f"{where}: allowed_domains"),
        canonical_query_keep=None if keep is None else _as_tuple(keep, f"{where}: canonical_query_keep"),
        sitemap_paths=_as_tuple(merged.get("sitemap_paths"), f"{where}: sitemap_paths"),
        feed_paths=_as_tuple(merged.get("feed_paths"), f"{where}: feed_paths"),
        schedule=merged.get("schedule", "@hourly"),
        max_listing_pages=int(merged.get("max_listing_pages", 30)),
        backfill_max_listing_pages=int(merged.get("backfill_max_listing_pages", 500)),
        min_articles_per_run=int(merged.get("min_articles_per_run", 0)),
        settings=dict(merged.get("settings", {})),
        extract={k: _as_tuple(v, f"{where}: extract.{k}") for k, v in extract.items()},
        revisit_after=_durations(merged.get("revisit_after"), f"{where}: revisit_after"),
        health={**HEALTH_DEFAULTS, **{k: float(v) for k, v in health.items()}},
        registry_file=registry_file,
    )


def load_registry(extra_files: list[Path] | tuple[Path, ...] = (),
                  include_builtin: bool | None = None) -> dict[str, Portal]:
    """All portals by id: the built-in registry (unless left out, by default as
    PORTALNEWS_BUILTIN_PORTALS says), then each extra file in order."""
    families = _load_families()
    include_builtin = builtin_portals() if include_builtin is None else include_builtin
    files = ([BUILTIN_REGISTRY] if include_builtin else []) + [Path(f) for f in extra_files]
    portals: dict[str, Portal] = {}
    for path in files:
        for entry in read_entries(path):
            portal = _portal_from_entry(entry, str(path), families)
            portals[portal.id] = portal
    return portals


def select(portals: dict[str, Portal], ids: list[str] | tuple[str, ...] | None) -> list[Portal]:
    """The portals named in `ids` (all when empty), failing clearly on an unknown id."""
    if not ids:
        return list(portals.values())
    missing = [i for i in ids if i not in portals]
    if missing:
        raise RegistryError(
            f"unknown portal id(s): {', '.join(missing)}; known: {', '.join(sorted(portals))}"
        )
    return [portals[i] for i in ids]
