"""A local HTTP server that tests teach to speak a platform's wire format.

Subclass :class:`FakeApi` and implement :meth:`respond`; use it as a context manager:

    with FakeVk(...) as server:
        account = ApiAccount(server.url, "secret-token")

Every request is recorded (path, parameters, the time of ``clock``: time.monotonic unless a
test gives a :class:`fakes.clock.VirtualClock`) so tests can count calls and check pacing.
``echo_pages(n)``: the next n requests are answered 200 with an HTML error page that echoes
the request (request line with its query string, body, headers), as some proxies do.
Only the loopback interface is used.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


class FakeApi:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic):
        self.requests: list[dict[str, Any]] = []
        self.clock = clock
        self.echoes = 0  # how many of the next requests get the echo page
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, body: bytes) -> None:
                parts = urlsplit(self.path)
                params = dict(parse_qsl(parts.query, keep_blank_values=True))
                if body:
                    params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
                with fake._lock:
                    headers = dict(self.headers.items())
                    fake.requests.append({"path": parts.path, "params": params, "headers": headers, "at": fake.clock()})
                    echo = fake.echoes > 0
                    fake.echoes -= echo
                if echo:
                    status, payload = 200, self._echo_page(body)
                else:
                    status, payload = fake.respond_to(parts.path, params, headers)
                data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                kind = "text/html" if echo else "application/json"
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _echo_page(self, body: bytes) -> bytes:
                request = f"{self.requestline}\n{body.decode('utf-8', 'replace')}\n{self.headers}"
                return f"<pre>{request}</pre><h1>Request blocked</h1>".encode()

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

    def echo_pages(self, times: int) -> None:
        """Answer the next ``times`` requests with an HTML page that echoes the request, token and all."""
        with self._lock:
            self.echoes += times

    def respond_to(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        """(HTTP status, body) for one request, its headers included; by default :meth:`respond`."""
        return self.respond(path, params)

    def respond(self, path: str, params: dict[str, str]) -> tuple[int, Any]:
        """(HTTP status, JSON-able body or raw bytes) for one request."""
        raise NotImplementedError

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
