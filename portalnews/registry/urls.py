"""Canonical URLs: one key for every URL form of the same article.

Query strings, tracking parameters, www./no www., http/https, host aliases, trailing slashes,
fragments and print views all collapse to one canonical URL per article.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan.clean import TRACKERS_RE as COURLAN_TRACKERS
from w3lib.url import canonicalize_url

from portalnews.registry import Portal

# Tracking parameters: courlan's maintained rule set (trafilatura's URL library, drawn from the ClearURLs
# rules, AdGuard's tracking-parameter filter and Firefox's query stripping), plus what it misses: names
# from the ClearURLs global rules (TikTok, Google's srsltid, HubSpot, Alibaba's spm, Yandex's _openstat,
# ...) and Vietnam's Zalo share parameters. A registry's `canonical_query_keep` wins over both.
EXTRA_TRACKERS = re.compile(
    r"^(?:ttclid|srsltid|_hsenc|_hsmi|__hs(?:fp|sc|tc)|hsctatracking|spm|_openstat|wickedid|rb_clickid|"
    r"fb_action_(?:types|ids)|__twitter_impression|cmpid|os_ehash|zarsrc|zaloid|refid|share|rss)$",
    re.IGNORECASE,
)


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return bool(COURLAN_TRACKERS.search(lowered) or EXTRA_TRACKERS.match(lowered))

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
        if keep is not None:  # the registry names the parameters that identify an article
            if key in keep:
                params.append((key, value))
            continue
        if is_tracking_param(key):
            continue
        if PRINT_PARAMS.match(key) and (PRINT_VALUES.match(value) or key.lower() in {"print", "printable"}):
            continue
        params.append((key, value))
    query = urlencode(sorted(params))
    # http and https serve the same article on these portals; the key always says https.
    return urlunsplit(("https", host, path, query, ""))


def without_tracking(url: str, portal: Portal | None = None) -> str:
    """`url` as linked, less its tracking parameters (what the crawl fetches and stores as the URL)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    keep = portal.canonical_query_keep if portal is not None else None
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if (keep is not None and k in keep) or not is_tracking_param(k)]
    if len(kept) == len(pairs):
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))
