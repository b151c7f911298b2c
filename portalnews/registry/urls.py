"""Canonical URLs: one key for every URL form of the same article.

Query strings, tracking parameters, www./no www., http/https, host aliases, trailing slashes,
fragments and print views all collapse to one canonical URL per article.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from portalnews.registry import Portal

TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|zarsrc|zaloid|_ga|_gl|mc_cid|mc_eid|ref|refid|source|share|rss)$",
    re.IGNORECASE,
)
# Print views of an article page: query switches and path suffixes.
PRINT_PARAMS = re.compile(r"^(print|printable|in|inbai|view|layout|format|template)$", re.IGNORECASE)
PRINT_VALUES = re.compile(r"^(1|true|yes|print|printable|in|inbai|in-bai)$", re.IGNORECASE)
PRINT_PATH_SUFFIX = re.compile(r"/(print|in|in-bai|printable)/?$", re.IGNORECASE)
PRINT_PATH_SEGMENT = re.compile(r"/(print|in-bai)/", re.IGNORECASE)


def _primary_host(portal: Portal | None, host: str) -> str:
    host = host.lower().removeprefix("www.")
    if portal is None:
        return host
    primary = (urlsplit(portal.base_url).hostname or host).lower().removeprefix("www.")
    aliases = {h.lower().removeprefix("www.") for h in portal.hosts}
    return primary if host in aliases else host


def canonical_url(url: str, portal: Portal | None = None) -> str:
    """The dedupe key of `url`; see the module docstring for what it folds."""
    parts = urlsplit(canonicalize_url(url.strip(), keep_fragments=False))
    host = _primary_host(portal, parts.hostname or "")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"

    path = PRINT_PATH_SEGMENT.sub("/", PRINT_PATH_SUFFIX.sub("", parts.path)) or "/"
    if len(path) > 1:
        path = path.rstrip("/")

    keep = portal.canonical_query_keep if portal is not None else None
    params = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if TRACKING_PARAMS.match(key):
            continue
        if PRINT_PARAMS.match(key) and (PRINT_VALUES.match(value) or key.lower() in {"print", "printable"}):
            continue
        if keep is not None and key not in keep:
            continue
        params.append((key, value))
    query = urlencode(sorted(params))
    # http and https serve the same article on these portals; the key always says https.
    return urlunsplit(("https", host, path, query, ""))
