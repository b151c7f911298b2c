"""Downloader middlewares."""

from __future__ import annotations

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import reactor
from twisted.internet.task import deferLater


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, but the n-th retry waits RETRY_BACKOFF_BASE * 2**(n-1) seconds.

    A portal answering 503 under load gets time to recover instead of three hits in a row.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def _with_backoff(self, retry_request):
        if retry_request is not None:
            attempt = retry_request.meta.get("retry_times", 1)
            delay = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
            if delay > 0:
                await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
        return retry_request

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        return await self._with_backoff(retry) or response

    async def process_exception(self, request, exception):
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        return await self._with_backoff(self._retry(request, exception))
