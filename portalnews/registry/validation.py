"""Reading and checking registry files before any entry becomes a Portal.

Every problem is one line naming the file, the entry and the key (a registry is written by hand
and read by a scheduler: a traceback helps nobody). Files are bounded in size and nesting, since a
registry path can come from an environment variable.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import math
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from croniter import croniter

from portalnews.registry.url_policy import refusal

MAX_FILE_BYTES = 1024 * 1024  # hundreds of portals fit in a few hundred KB
MAX_DEPTH = 6  # [[portal]] > settings/extract/health > a value's list

STRING_KEYS = ("id", "name", "base_url", "article_url_pattern", "family", "listing_url_pattern", "schedule")
STRING_LIST_KEYS = ("start_urls", "host_aliases", "allowed_domains", "canonical_query_keep", "sitemap_paths",
                    "feed_paths")
COUNT_KEYS = ("max_listing_pages", "backfill_max_listing_pages", "min_articles_per_run")
TABLE_KEYS = ("settings", "extract", "health")


# Settings a registry entry may not change: they keep fetched pages stored (the item pipelines) and
# every request inside the URL policy (the middlewares, no handler for file:, ftp:, data:, s3:).
PROTECTED_SETTINGS = frozenset({
    "ITEM_PIPELINES", "ITEM_PIPELINES_BASE", "DOWNLOADER_MIDDLEWARES", "DOWNLOADER_MIDDLEWARES_BASE",
    "DOWNLOAD_HANDLERS", "DOWNLOAD_HANDLERS_BASE", "SPIDER_MIDDLEWARES", "SPIDER_MIDDLEWARES_BASE",
    "SPIDER_MODULES", "TWISTED_REACTOR", "SCHEDULER", "DOWNLOADER", "ITEM_PROCESSOR",
})
# What Airflow reads as a schedule besides a cron expression (airflow.utils.dates.cron_presets and the
# two presets that are not cron).
SCHEDULE_PRESETS = frozenset({"@once", "@continuous", "@hourly", "@daily", "@weekly", "@monthly",
                              "@quarterly", "@yearly", "@annually"})


class RegistryError(ValueError):
    """A registry file is malformed; the message names the file, the portal and the key."""


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def read_entries(path: Path) -> list[dict[str, Any]]:
    """The `[[portal]]` tables of one file, after the file-level checks (size, TOML, nesting, ids)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError as err:
        raise RegistryError(f"registry file not found: {path}") from err
    if path.is_dir():
        raise RegistryError(f"{path} is a directory: --registry and PORTALNEWS_REGISTRY name TOML files")
    if size > MAX_FILE_BYTES:
        raise RegistryError(f"{path}: {size} bytes is too large for a registry file (limit {MAX_FILE_BYTES})")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise RegistryError(f"{path}: not valid TOML: {err}") from err
    except RecursionError as err:
        raise RegistryError(f"{path}: nested too deeply (limit {MAX_DEPTH} levels)") from err
    except UnicodeDecodeError as err:
        raise RegistryError(f"{path}: not UTF-8 text: {err}") from err
    entries = data.get("portal", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RegistryError(f"{path}: 'portal' must be an array of tables ([[portal]] entries)")
    if _depth(entries) > MAX_DEPTH:
        raise RegistryError(f"{path}: nested too deeply (limit {MAX_DEPTH} levels)")
    first_seen: dict[Any, int] = {}
    for number, entry in enumerate(entries, start=1):
        portal_id = entry.get("id")
        if isinstance(portal_id, str) and portal_id in first_seen:
            raise RegistryError(
                f"{path}: portal {portal_id!r}: duplicate id (entries {first_seen[portal_id]} "
                f"and {number} of this file); one file may define a portal only once"
            )
        first_seen.setdefault(portal_id, number)
    return entries


def check_types(merged: dict[str, Any], where: str) -> None:
    """Every known key has its type: one line naming the key, the wanted type and the value."""
    def wrong(key: str, wanted: str) -> RegistryError:
        return RegistryError(f"{where}: key {key!r} must be {wanted}, got {merged[key]!r}"[:400])

    for key in STRING_KEYS:
        if key in merged and not isinstance(merged[key], str):
            raise wrong(key, "a string")
    for key in STRING_LIST_KEYS:
        value = merged.get(key)
        if value is not None and not (isinstance(value, str) or (
                isinstance(value, list) and all(isinstance(v, str) for v in value))):
            raise wrong(key, "a string or a list of strings")
    for key in COUNT_KEYS:
        value = merged.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise wrong(key, "a whole number >= 0")
    for key in TABLE_KEYS:
        if key in merged and not isinstance(merged[key], dict):
            raise wrong(key, "a table (e.g. { KEY = value })")


def check_urls(base_url: str, start_urls: tuple[str, ...], paths: tuple[str, ...], where: str) -> None:
    """Only http/https URLs with a host name: a registry entry must not make the crawler read files."""
    for key, url in [("base_url", base_url)] + [("start_urls", u) for u in start_urls]:
        reason = refusal(url)
        if reason:
            raise RegistryError(f"{where}: key {key!r}: {reason}")
    for path in paths:
        reason = refusal(urljoin(base_url, path))
        if reason:
            raise RegistryError(f"{where}: key 'sitemap_paths'/'feed_paths' entry {path!r}: {reason}")


@functools.cache
def scrapy_defaults() -> dict[str, Any]:
    """Scrapy's default settings, read from its default_settings.py as literals, without importing Scrapy
    (DAG files load the registry, and the dag-processor parses them often: no Scrapy there). A default
    that is not a literal counts as a string when it is an f-string, else as unknown (not type-checked)."""
    spec = importlib.util.find_spec("scrapy")  # finds the package without running it
    if spec is None or spec.origin is None:
        raise RegistryError("Scrapy is not installed: its default settings cannot be read")
    source = Path(spec.origin).parent / "settings" / "default_settings.py"
    defaults: dict[str, Any] = {}
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        value: ast.expr | None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        else:
            continue
        names = [t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper()]
        if len(names) != 1 or value is None:
            continue
        try:
            defaults[names[0]] = ast.literal_eval(value)
        except ValueError:
            defaults[names[0]] = "" if isinstance(value, ast.JoinedStr) else None
    return defaults


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _setting_type_error(value: Any, default: Any) -> str | None:
    """What is wrong with `value` for a Scrapy setting whose default is `default` (None if nothing)."""
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "true or false"
    if isinstance(default, (int, float)):
        return None if _number(value) else "a finite number"
    if isinstance(default, str):
        return None if isinstance(value, str) else "a string"
    if isinstance(default, dict):
        return None if isinstance(value, dict) else "a table"
    if isinstance(default, (list, tuple)):
        return None if isinstance(value, list) else "a list"
    return None  # no default to compare with (None): Scrapy reads it as given


def check_values(merged: dict[str, Any], where: str) -> None:
    """Values of the right type that would still break a crawl or the scheduler, refused at load time."""
    if not merged["article_url_pattern"].strip():
        raise RegistryError(f"{where}: key 'article_url_pattern' is empty: "
                            "it would take every link for an article")
    schedule = merged.get("schedule")
    if schedule is not None and schedule not in SCHEDULE_PRESETS and not croniter.is_valid(schedule):
        raise RegistryError(f"{where}: key 'schedule' {schedule!r} is neither a cron expression "
                            "(\"0 */2 * * *\") "
                            f"nor one of {', '.join(sorted(SCHEDULE_PRESETS))}")
    for key, value in merged.get("health", {}).items():
        if not _number(value):
            raise RegistryError(f"{where}: key 'health.{key}' must be a finite number, got {value!r}")
    for name, value in merged.get("settings", {}).items():
        if name in PROTECTED_SETTINGS:
            raise RegistryError(f"{where}: key 'settings.{name}' may not be set per portal: "
                                "it keeps fetched pages "
                                "stored and requests inside the URL policy")
        if isinstance(value, float) and not math.isfinite(value):
            raise RegistryError(f"{where}: key 'settings.{name}' must be a finite number, got {value!r}")
        wanted = _setting_type_error(value, scrapy_defaults().get(str(name)))
        if wanted:
            raise RegistryError(f"{where}: key 'settings.{name}' must be {wanted}, got {value!r}"[:400])
