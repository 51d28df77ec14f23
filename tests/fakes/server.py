"""A local HTTP server that tests teach to speak a platform's wire format.

Subclass :class:`FakeApi` and implement :meth:`respond`; use it as a context manager:

    with FakeVk(...) as server:
        account = ApiAccount(server.url, "secret-token")

Every request is recorded (path, parameters, monotonic time) so tests can count calls and
measure the request rate. Only the loopback interface is used.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


class FakeApi:
    def __init__(self):
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, body: bytes) -> None:
                parts = urlsplit(self.path)
                params = dict(parse_qsl(parts.query, keep_blank_values=True))
                if body:
                    params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
                with fake._lock:
                    fake.requests.append({"path": parts.path, "params": params, "at": time.monotonic()})
                status, payload = fake.respond(parts.path, params)
                data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802 (http.server's naming)
                self._serve(b"")

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self._serve(self.rfile.read(length))

            def log_message(self, *args):  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def respond(self, path: str, params: dict[str, str]) -> tuple[int, Any]:
        """(HTTP status, JSON-able body or raw bytes) for one request."""
        raise NotImplementedError

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
