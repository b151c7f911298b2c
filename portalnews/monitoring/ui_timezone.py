"""The Airflow UI in Airflow's configured time zone (`[core] default_timezone`).

The Airflow 3 UI shows times in the zone kept in the browser's localStorage key `timezone` (written by
its user-menu Timezone dialog, JSON-encoded), and falls back to the browser's own zone: there is no
server setting. This ASGI middleware, registered by the plugin (`fastapi_root_middlewares`), adds a
small inline script to the UI's HTML page that stores the configured zone for users who have not
chosen one. The zone it stored is remembered under `portalnews_default_timezone`, so a later change of
`default_timezone` reaches those users too, while a zone a user picked themselves is never overwritten.
"""

from __future__ import annotations

import json

UI_TIMEZONE_KEY = "timezone"  # the UI's own key (useLocalStorage, JSON values)
APPLIED_DEFAULT_KEY = "portalnews_default_timezone"
# The single-page app's shell (airflow/ui/dist/index.html); plugin pages and API answers lack it.
_UI_SHELL_MARK = b'<div id="root"'


def configured_timezone() -> str:
    """`[core] default_timezone` as Airflow resolved it (`utc` -> `UTC`, `system` -> the server's zone)."""
    from airflow.settings import TIMEZONE

    return TIMEZONE.name


def default_timezone_script(zone: str) -> bytes:
    """Store `zone` when the key is absent or still holds the default stored earlier (never a user's pick)."""
    chosen, applied, value = (
        json.dumps(UI_TIMEZONE_KEY),
        json.dumps(APPLIED_DEFAULT_KEY),
        json.dumps(json.dumps(zone)),
    )
    return (
        "<script>try{var s=window.localStorage,c=s.getItem(" + chosen + "),a=s.getItem(" + applied + ");"
        "if(c===null||c===a){s.setItem("
        + chosen
        + ","
        + value
        + ");s.setItem("
        + applied
        + ","
        + value
        + ")}"
        "}catch(e){}</script>"
    ).encode()


class DefaultTimezoneMiddleware:
    """Pure ASGI (streaming responses pass through untouched): only complete `text/html` answers
    carrying the UI's shell are changed, with their Content-Length fixed."""

    def __init__(self, app, zone: str | None = None):
        self.app = app
        self.zone = zone

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        start: dict | None = None
        chunks: list[bytes] = []

        async def send_with_script(message):
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                html = headers.get(b"content-type", b"").startswith(b"text/html")
                if html and b"content-encoding" not in headers:
                    start = message  # held until the whole body is known
                    return
                await send(message)
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = self._with_script(b"".join(chunks))
                headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
            else:
                await send(message)

        await self.app(scope, receive, send_with_script)

    def _with_script(self, body: bytes) -> bytes:
        if _UI_SHELL_MARK not in body or b"<head>" not in body:
            return body
        script = default_timezone_script(self.zone or configured_timezone())
        return body.replace(b"<head>", b"<head>\n    " + script, 1)
