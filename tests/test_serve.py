"""`mosaic serve` as users and attackers meet it: several processes, silent and slow
connections, oversized requests, and the same JSON error everywhere."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import running_server

IDLE_TIMEOUT = 2


@pytest.fixture(scope="module")
def server(corpus_settings):
    log: list[str] = []
    env = {"MOSAIC_WORKERS": "2", "MOSAIC_THREADS": "2", "MOSAIC_IDLE_TIMEOUT": str(IDLE_TIMEOUT)}
    with running_server(corpus_settings.index_dir, env=env, log=log) as url:
        yield url, int(url.rsplit(":", 1)[1])


def get(url: str, timeout: float = 10) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_two_processes_answer(server):
    url, port = server
    pids = set()
    for _ in range(40):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/api/search?q=Russia&per_page=1")
        response = connection.getresponse()
        assert response.status == 200
        response.read()
        pids.add(_peer_pid(port, connection.sock))
        connection.close()
    assert len(pids - {None}) == 2


def _peer_pid(port: int, sock) -> int | None:
    """The pid of the process that holds the server side of a connection (from /proc)."""
    local = sock.getsockname()[1]
    inode = None
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port and int(fields[2].split(":")[1], 16) == local:
                inode = fields[9]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return int(pid)
        except OSError:
            continue
    return None


def test_silent_connections_neither_block_others_nor_stay_open(server):
    url, port = server
    silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(300)]
    half_sent = []
    for _ in range(8):  # more than the two workers' four threads
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /api/search?q=Rus")
        half_sent.append(s)
    try:
        started = time.perf_counter()
        status, _, _ = get(url + "/api/search?q=Russia", timeout=5)
        assert status == 200 and time.perf_counter() - started < 3
        time.sleep(IDLE_TIMEOUT + 2.5)
        for s in silent[:20] + half_sent:
            s.settimeout(2)
            assert s.recv(1) == b""  # closed by the server
    finally:
        for s in silent + half_sent:
            s.close()


@pytest.mark.parametrize("path, status", [
    ("/api/search?q=" + "a" * 9000, 414),
    ("/api/search?" + "&".join(f"outlet=o{n}" for n in range(60)), 400),
])
def test_oversized_requests_get_the_json_error(server, path, status):
    url, _ = server
    code, headers, body = get(url + path)
    assert code == status and headers["Content-Type"].startswith("application/json")
    assert set(json.loads(body)["error"]) >= {"code", "message"}


def test_a_large_body_is_refused_and_the_connection_closed(server):
    _, port = server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("GET", "/api/search?q=Russia")
    connection.putheader("Content-Length", str(1 << 30))
    connection.endheaders()
    connection.send(b"x" * 1024)
    response = connection.getresponse()
    assert response.status == 413 and json.loads(response.read())["error"]["code"] == "request_too_large"
    assert response.getheader("Connection") == "close"  # the server need not read the rest


def test_method_not_allowed_says_what_is(server):
    url, _ = server
    request = urllib.request.Request(url + "/api/search?q=Russia", method="POST", data=b"")
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("POST was accepted")
    except urllib.error.HTTPError as error:
        assert error.code == 405 and "GET" in error.headers["Allow"]
        assert json.loads(error.read())["error"]["code"] == "method_not_allowed"


def test_a_dead_worker_is_replaced(server):
    url, port = server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/api/search?per_page=1")
    connection.getresponse().read()
    victim = _peer_pid(port, connection.sock)
    connection.close()
    os.kill(victim, signal.SIGKILL)
    deadline = time.time() + 20
    ok = 0
    while time.time() < deadline and ok < 10:
        status, _, _ = get(url + "/api/search?q=Taiwan", timeout=5)
        ok += status == 200
    assert ok == 10


def test_query_timeouts_are_503_on_every_surface(corpus_settings):
    env = {"MOSAIC_WORKERS": "1", "MOSAIC_QUERY_TIMEOUT": "0"}
    with running_server(corpus_settings.index_dir, env=env) as url:
        code, headers, body = get(url + "/api/search?q=Russia")
        assert code == 503 and json.loads(body)["error"]["code"] == "query_timeout"
        code, headers, body = get(url + "/?q=Russia")
        assert code == 503 and b"took too long" in body
        code, _, body = get(url + "/api/export?q=Russia&format=csv")
        assert code == 503


def test_the_token_guards_pages_and_api(corpus_settings):
    with running_server(corpus_settings.index_dir, env={"MOSAIC_WORKERS": "1", "MOSAIC_API_TOKEN": "s3cret"}) as url:
        assert get(url + "/api/search?q=Russia")[0] == 401
        assert get(url + "/?q=Russia")[0] == 401
        request = urllib.request.Request(url + "/api/search?q=Russia", headers={"Authorization": "Bearer s3cret"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(url + "/?q=Russia&token=s3cret", timeout=10) as response:  # link → cookie → page
            assert response.status == 200 and "token" not in response.url
        with opener.open(url + "/api/search?q=Russia", timeout=10) as response:
            assert response.status == 200


def test_listening_beyond_loopback_warns(corpus_settings):
    log: list[str] = []
    with running_server(corpus_settings.index_dir, env={"MOSAIC_WORKERS": "1"}, args=("--host", "0.0.0.0"), log=log):
        pass
    assert "WARNING: listening on 0.0.0.0" in log[0] and "MOSAIC_API_TOKEN" in log[0]
