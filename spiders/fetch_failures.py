"""How a failed request is told: skipped on purpose (robots.txt), or a failure with a one-line reason.
Shared by the crawl's spider and the check spider."""

from __future__ import annotations

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError


def ignored_on_purpose(failure) -> bool:
    """Forbidden by robots.txt: skipped, not a failure. Every other IgnoreRequest (a gzip bomb cut at
    DOWNLOAD_MAXSIZE, a redirect loop, a refused scheme) is a failure with its reason."""
    return failure.check(IgnoreRequest) is not None and failure.check(HttpError) is None \
        and "robots.txt" in failure.getErrorMessage()


def failure_reason(failure) -> str:
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    message = failure.getErrorMessage().strip()
    if not message and failure.check(CancelledError, DownloadCancelledError):
        # Twisted's CancelledError carries no text: Scrapy cancelled the download (a response over
        # DOWNLOAD_MAXSIZE, a stop request, the crawl closing).
        message = "download cancelled by the crawler (over DOWNLOAD_MAXSIZE, or the crawl was stopping)"
    return f"{failure.type.__name__}: {message or 'no message given'}"
