"""Downloader middlewares."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from time import time
from urllib.parse import urljoin

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import reactor
from twisted.internet.task import deferLater
from w3lib.url import canonicalize_url, safe_url_string

from portalnews.registry.url_policy import refusal

REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class RefusedRequest(IgnoreRequest):
    """A request (or a redirect) to a URL the crawler never fetches: not http/https."""


class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL already visited in this chain (A -> B -> C -> A)."""


def retry_after_seconds(value: bytes | None, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks to wait (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time() if now is None else now))


class UrlPolicyMiddleware:
    """Only http/https is ever fetched, whatever a page or a redirect says; a redirect loop is an error.

    Sits before Scrapy's RedirectMiddleware on the response path, so it sees each 3xx first.
    """

    def process_request(self, request, spider=None):
        reason = refusal(request.url)
        if reason:
            raise RefusedRequest(f"refused: {reason}")

    def process_response(self, request, response, spider=None):
        location = response.headers.get("Location")
        if response.status not in REDIRECT_STATUSES or not location or request.meta.get("dont_redirect"):
            return response
        target = urljoin(request.url, safe_url_string(location))
        reason = refusal(target)
        if reason:
            raise RefusedRequest(f"refused redirect from {request.url}: {reason}")
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if canonicalize_url(target) in {canonicalize_url(u) for u in chain}:
            raise RedirectLoop("redirect loop: " + " -> ".join([*chain, target]))
        return response


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, but the n-th retry waits RETRY_BACKOFF_BASE * 2**(n-1) seconds.

    A portal answering 503 under load gets time to recover instead of three hits in a row.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def _with_backoff(self, retry_request, response=None):
        if retry_request is not None:
            attempt = retry_request.meta.get("retry_times", 1)
            delay = self.backoff_base * 2 ** (attempt - 1)
            # A 429/503 saying when to come back is obeyed (up to RETRY_BACKOFF_MAX).
            asked = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
            delay = min(self.backoff_max, max(delay, asked or 0.0))
            if delay > 0:
                await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
        return retry_request

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        return await self._with_backoff(retry, response) or response

    async def process_exception(self, request, exception):
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        return await self._with_backoff(self._retry(request, exception))
