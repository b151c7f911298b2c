"""Which URLs the crawler may ever fetch: http and https with a host name, nothing else.

A portal's sitemap, feed or listing is untrusted input: a `file://`, `ftp://` or `data:` link in it
must never make the crawler read local files or talk another protocol. The registry, the spider's
link filter and the downloader middleware all ask this one module.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from w3lib.url import canonicalize_url

FETCHABLE_SCHEMES = ("http", "https")


class RefusedURL(ValueError):
    """A URL the crawler will not fetch; the message says why."""


def refusal(url: str) -> str | None:
    """Why `url` must not be fetched, or None when it may be (http/https with a host)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError as err:  # e.g. an invalid IPv6 literal or port
        return f"malformed URL {url[:200]!r}: {err}"
    if parts.scheme.lower() not in FETCHABLE_SCHEMES:
        return f"scheme {parts.scheme or '(none)'!r} is not fetched (only http/https): {url[:200]!r}"
    if not host:
        return f"no host name in {url[:200]!r}"
    return None


def fetchable_url(url: str) -> str:
    """`url` in canonical form (w3lib), checked after canonicalisation; RefusedURL otherwise."""
    reason = refusal(url)
    if reason is None:
        canonical = canonicalize_url(url.strip(), keep_fragments=False)
        reason = refusal(canonical)
        if reason is None:
            return canonical
    raise RefusedURL(reason)
