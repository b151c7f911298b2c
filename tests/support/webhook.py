"""A real webhook receiver on 127.0.0.1 for the alerts' Apprise messages."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookReceiver:
    """An HTTP endpoint that keeps every JSON message posted to it."""

    def __init__(self):
        received = self.messages = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def apprise_connection(self) -> str:
        """The Connection as an operator would set it (AIRFLOW_CONN_PORTALNEWS_ALERTS, JSON form)."""
        url = f"json://127.0.0.1:{self.server.server_address[1]}/portalnews-alerts"
        return json.dumps({"conn_type": "apprise", "extra": {"config": {"path": url}}})

    def stop(self):
        self.server.shutdown()
