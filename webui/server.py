"""`mosaic serve`: the web app on gunicorn, one process per core.

A search is CPU work in Python, so one process serves one search at a time whatever its
threads: four clients on one process queued behind each other (HTTP p95 1.8 s at 100k where
one client saw 313 ms). Gunicorn is a pre-fork server made for this: a master that keeps N
worker processes alive (a dead one is replaced, a stuck one killed after a timeout), graceful
restart (HUP) and shutdown (TERM), an access log, and request-size limits in its HTTP parser.
The app is loaded and warmed in the master before the fork, so the workers start with the
facet tables and gazetteer already in (shared) memory.

Gunicorn's threaded worker is extended (pinned below gunicorn's next major version, tested in
tests/test_serve.py): a request goes to a thread only once its head has arrived, a connection
that stays silent or sends its head too slowly is closed after the idle timeout (otherwise a
few hundred silent connections fill a worker's connection slots, and a few half-sent requests
hold every thread), and requests its parser refuses (too long a URL, too many or too large
headers) get Mosaic's JSON error body.
"""

from __future__ import annotations

import json
import logging
import os
import re
import selectors
import socket
from functools import partial

from gunicorn.app.base import BaseApplication
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.gthread import TConn, ThreadWorker

from search.config import Settings
from search.errors import SearchError

logger = logging.getLogger(__name__)

# Gunicorn's parser limits (its own maxima): longer request lines and headers are refused
# before the app sees them, with the JSON error below.
REQUEST_LINE_LIMIT = 8190
HEADER_FIELDS_LIMIT = 100
HEADER_FIELD_BYTES = 8190


class _ReadAhead:
    """A connection's socket with the bytes of its next request head already read: the
    parser, running in a request thread, reads them first."""

    def __init__(self, sock):
        self.raw = sock
        self.ahead = b""

    def recv(self, size: int, *flags) -> bytes:
        if self.ahead:
            data, self.ahead = self.ahead[:size], self.ahead[size:]
            return data
        return self.raw.recv(size, *flags)

    def __getattr__(self, name):
        return getattr(self.raw, name)


HEAD_END = b"\r\n\r\n"
# More head than the parser would accept: handed over for it to refuse.
MAX_HEAD_BYTES = REQUEST_LINE_LIMIT + HEADER_FIELDS_LIMIT * (HEADER_FIELD_BYTES + 2) + 4


class MosaicWorker(ThreadWorker):
    """Gunicorn's threaded worker, taking a request to a thread only once its head is in.

    The stock worker hands a connection to a thread as soon as it is readable, so a client
    that sends half a request and stalls holds a thread; eight such clients hold a two-process
    server. Here the main loop reads request heads as they arrive, and a connection whose head
    is not complete within the idle timeout is closed, like a silent one or an idle kept-alive
    one (murder_keepalived).
    """

    # A process accepts new connections only while one of its threads is free: a busy
    # process leaves them in the kernel's listen queue, which every process draws from, so a
    # connection waits for the first free thread of any process instead of queueing behind
    # the requests of the process that happened to accept it (8 clients on 2 processes put 5
    # on one and 3 on the other). Connections that have not sent a request (idle, or a head
    # still arriving) hold no thread and never pause accepting.
    _in_flight = 0
    _paused: dict | None = None  # listener → its acceptor, while accepting is paused

    def enqueue_req(self, conn):
        conn.init()
        # A body sent half-way and then left would hold the thread: reads time out.
        conn.sock.settimeout(self.cfg.keepalive or None)
        with self._lock:
            self._in_flight += 1
            if self._in_flight >= self.cfg.threads and self._paused is None:
                self._paused = {sock: self.poller.get_key(sock).data for sock in self.sockets}
                for sock in self._paused:
                    self.poller.unregister(sock)
        future = self.tpool.submit(self.handle, conn)
        self._wrap_future(future, conn)

    def finish_request(self, fs):
        with self._lock:  # in the request's thread
            self._in_flight -= 1
            if self._paused is not None and self._in_flight < self.cfg.threads and self.alive:
                paused, self._paused = self._paused, None
                try:
                    for sock, acceptor in paused.items():
                        self.poller.register(sock, selectors.EVENT_READ, acceptor)
                except (OSError, ValueError):
                    pass  # shutting down: the poller and listeners are being closed
        super().finish_request(fs)

    def accept(self, server, listener):
        try:
            sock, client = listener.accept()
        except OSError:
            return  # another worker took it, or the client gave up
        sock.setblocking(False)
        conn = TConn(self.cfg, _ReadAhead(sock), client, server)
        self.nr_conns += 1
        conn.set_timeout()  # the deadline for its first request head
        with self._lock:
            self._keep.append(conn)
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_client_socket_readable, conn))

    def on_client_socket_readable(self, conn, client):
        try:
            chunk = conn.sock.raw.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if chunk:
            conn.sock.ahead += chunk
            if HEAD_END not in conn.sock.ahead and len(conn.sock.ahead) < MAX_HEAD_BYTES:
                return  # not all of the head yet: keeps waiting, with its deadline
        with self._lock:
            self.poller.unregister(client)
            try:
                self._keep.remove(conn)
            except ValueError:
                return  # reaped in the meantime
        refusal = _body_refusal(conn.sock.ahead, self.app.settings.max_request_bytes) if chunk else None
        if refusal is not None:
            # Every endpoint is GET: refused before a thread would read (and throw away) the body.
            _write_json_error(conn.sock.raw, 413, "Content Too Large", "request_too_large", refusal)
        if not chunk or refusal is not None:  # the client closed, the connection broke, or refused
            self.nr_conns -= 1
            conn.close()
            return
        self.enqueue_req(conn)

    def handle_error(self, req, client, addr, exc):
        if isinstance(exc, LimitRequestLine):
            _write_json_error(client, 414, "URI Too Long", "request_too_large", "the request's URL is too long")
        elif isinstance(exc, LimitRequestHeaders):
            _write_json_error(client, 431, "Request Header Fields Too Large", "request_too_large", "the request's headers are too large")
        elif isinstance(exc, (TimeoutError, socket.timeout)):
            return  # a client that went silent mid-request: closed, nothing to answer
        else:
            super().handle_error(req, client, addr, exc)


_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length[ \t]*:[ \t]*(\d+)", re.IGNORECASE)
_CHUNKED = re.compile(rb"\r\ntransfer-encoding[ \t]*:", re.IGNORECASE)


def _body_refusal(head: bytes, limit: int) -> str | None:
    """Return why a request's body is refused, from its head, or None."""
    head = head.split(HEAD_END, 1)[0]
    if _CHUNKED.search(head):
        return "request bodies are not accepted (every endpoint is GET)"
    match = _CONTENT_LENGTH.search(head)
    if match and int(match.group(1)) > limit:
        return f"request body of {int(match.group(1))} bytes; the limit is {limit}"
    return None


def _write_json_error(sock, status: int, reason: str, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    try:
        sock.setblocking(True)
        sock.settimeout(1.0)
        sock.sendall(head + body)
    except OSError:
        pass


class MosaicServer(BaseApplication):
    """Gunicorn configured from Mosaic's settings, serving webui.create_app."""

    def __init__(self, settings: Settings):
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        options = {
            "bind": f"{'[' + s.host + ']' if ':' in s.host else s.host}:{s.port}",
            "workers": s.workers or os.cpu_count() or 1,
            "threads": s.threads,
            "worker_class": "webui.server.MosaicWorker",
            "worker_connections": s.max_connections,
            "keepalive": s.idle_timeout,
            "timeout": s.worker_timeout,
            "graceful_timeout": s.worker_timeout,
            "limit_request_line": REQUEST_LINE_LIMIT,
            "limit_request_fields": HEADER_FIELDS_LIMIT,
            "limit_request_field_size": HEADER_FIELD_BYTES,
            "preload_app": True,
            "accesslog": "-",
            "errorlog": "-",
            "proc_name": "mosaic",
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self):
        from search.query import engine_for
        from webui import create_app

        app = create_app({"SETTINGS": self.settings})
        try:
            engine_for(self.settings).warm()  # before the fork: every worker starts warm
        except SearchError as exc:
            logger.warning("warm-up search failed (%s); serving anyway", exc.message)
        return app


def serve(settings: Settings) -> None:
    """Run the server in the foreground until stopped (Ctrl+C or TERM)."""
    MosaicServer(settings).run()
