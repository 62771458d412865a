"""Start and stop real OpenSearch nodes (tools/opensearch-node) for tests and benchmarks.

`start_cluster(1)` runs one node alone; `start_cluster(3)` runs three JVMs on distinct loopback
ports that form one cluster. Each node is its own process, so a test can SIGKILL one.

    with start_cluster(3, tmp_path) as cluster:
        client = OpenSearch(cluster.urls)
        cluster.nodes[0].kill()
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_SCRIPT = ROOT / "tools" / "opensearch-node" / "run"
LAUNCHER_JAR = ROOT / "tools" / "opensearch-node" / "target" / "opensearch-node.jar"

# A node indexes and searches a test corpus in 512 MB of heap with room to spare; measured RSS of
# the whole process: 320 MB once started, 430 MB after 12,000 articles with PIT, collapse and
# more-like-this searches.
DEFAULT_HEAP = "512m"
# Green after 3-6 s for one node and about 9 s for three beside a fourth on the 2-core machine
# (with FAST_START_JAVA_OPTS); the margin is for a machine busy with other work.
START_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0
# C1 compiler only: a node reaches green on half the CPU time (2 instead of 5 CPU-seconds each on
# the 2-core machine), which matters when three nodes start beside a test suite; queries then run
# slower, so benchmarks pass java_opts="" for the full JIT.
FAST_START_JAVA_OPTS = "-XX:TieredStopAtLevel=1"


class NodeError(RuntimeError):
    """A node did not start or did not reach the expected health; the message has its log's tail."""


def missing_tools() -> str | None:
    """Why nodes cannot run here (no java, or no mvn to build the launcher), or None."""
    if shutil.which("java") is None:
        return "Java 17 (`java`) is not installed, and OpenSearch runs on the JVM"
    if shutil.which("mvn") is None and not LAUNCHER_JAR.exists():
        return f"Maven (`mvn`) is not installed, and it builds {LAUNCHER_JAR.relative_to(ROOT)}"
    return None


def build_launcher() -> Path:
    """Build the launcher jar if it is missing or older than its sources; return its path."""
    result = subprocess.run([str(RUN_SCRIPT), "--build-only"], capture_output=True, text=True)
    if result.returncode != 0:
        raise NodeError(f"building the OpenSearch launcher failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return LAUNCHER_JAR


@dataclass
class Node:
    name: str
    http_port: int
    transport_port: int
    home: Path
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def log(self) -> Path:
        return self.home / "node.log"

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: the node gets no chance to close anything, as when a machine dies."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """SIGTERM, and SIGKILL if the node is still closing after STOP_TIMEOUT."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Cluster:
    nodes: list[Node]
    base: Path
    owns_base: bool = field(default=False)

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    @property
    def pids(self) -> list[int]:
        return [n.pid for n in self.nodes]

    def live_nodes(self) -> list[Node]:
        return [n for n in self.nodes if n.alive()]

    def health(self, status: str = "yellow", nodes: int | None = None, timeout: float = START_TIMEOUT) -> dict:
        """Wait until the cluster, asked through any live node, is at least `status` with
        `nodes` nodes (default: every live node); return the health document."""
        nodes = len(self.live_nodes()) if nodes is None else nodes
        query = f"wait_for_status={status}&wait_for_nodes={nodes}&timeout=1s"
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            live = self.live_nodes()
            if not live:
                break
            for node in live:
                try:
                    with urllib.request.urlopen(f"{node.url}/_cluster/health?{query}", timeout=5) as response:
                        return json.load(response)
                except urllib.error.HTTPError as e:  # 408: not there yet; 503: no cluster manager yet
                    last = f"{node.name}: HTTP {e.code} {e.read()[:300]!r}"
                except OSError as e:
                    last = f"{node.name}: {e}"
            time.sleep(0.25)
        logs = "\n".join(f"--- {n.name} (pid {n.pid}, {'running' if n.alive() else f'exited {n.process.returncode}'})\n{n.log_tail()}" for n in self.nodes)
        raise NodeError(f"cluster not {status} with {nodes} nodes after {timeout:.0f} s (last: {last})\n{logs}")

    def stop(self) -> None:
        for node in self.nodes:
            if node.alive():
                node.process.terminate()
        for node in self.nodes:
            node.stop()
        if self.owns_base:
            shutil.rmtree(self.base, ignore_errors=True)


@dataclass
class KillRun:
    """What a query loop saw while a node was killed: the problem of each query (None for a
    right answer) before the survivors settled and after, and how long they took to settle."""
    during: list[str]
    after: list[str | None]
    settle_seconds: float
    queries: int


def kill_while_querying(cluster: Cluster, victim: Node, attempt, settled: int, limit: float) -> KillRun:
    """Run `attempt` (returns None when a query's answer is right, else what was wrong) in a loop
    on a thread, kill `victim` a second in, wait for the survivors to be yellow, and stop once
    `settled` queries have run after that (or after `limit` seconds, so a hung cluster fails
    the test instead of hanging it)."""
    outcomes: list[tuple[float, str | None]] = []
    stop = threading.Event()

    def loop():
        deadline = time.monotonic() + limit
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                problem = attempt()
            except Exception as e:  # any failure a user would see counts
                problem = f"{type(e).__name__}: {e}"
            outcomes.append((time.monotonic(), problem))

    thread = threading.Thread(target=loop)
    thread.start()
    try:
        time.sleep(1.0)
        victim.kill()
        killed_at = time.monotonic()
        cluster.health("yellow", nodes=len(cluster.nodes) - 1)
        settled_at = time.monotonic()
        while sum(t > settled_at for t, _ in outcomes) < settled and thread.is_alive():
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join()
    return KillRun(
        during=[problem for t, problem in outcomes if killed_at <= t <= settled_at and problem],
        after=[problem for t, problem in outcomes if t > settled_at],
        settle_seconds=settled_at - killed_at,
        queries=len(outcomes),
    )


def _die_with_parent() -> None:
    """In the child before exec: have Linux send SIGTERM to the node when the thread that started
    it dies, so a test run that is killed outright leaves no JVM behind."""
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_ports(count: int) -> list[int]:
    """Ports free on loopback now (the OS picks them; a node that loses a race fails to start)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def launch(count: int = 1, base: Path | None = None, heap: str = DEFAULT_HEAP,
           java_opts: str = FAST_START_JAVA_OPTS, cluster_name: str = "mosaic-test") -> Cluster:
    """Start `count` nodes (1: alone; more: one cluster, every node manager-eligible and data),
    each in base/<name>, and wait until every node joined: yellow for one node (a replica never
    finds a second node there), green for several. The caller stops it (see start_cluster)."""
    build_launcher()
    owns_base = base is None
    base = Path(tempfile.mkdtemp(prefix="opensearch-")) if base is None else Path(base)
    ports = _free_ports(2 * count)
    names = [f"node-{i + 1}" for i in range(count)]
    transport = ports[count:]
    nodes = []
    for i, name in enumerate(names):
        home = base / name
        home.mkdir(parents=True, exist_ok=True)
        args = [str(RUN_SCRIPT), "--home", str(home), "--name", name, "--cluster-name", cluster_name,
                "--http-port", str(ports[i]), "--transport-port", str(transport[i])]
        if count > 1:
            args += ["--seed-hosts", ",".join(f"127.0.0.1:{p}" for p in transport),
                     "--initial-managers", ",".join(names)]
        with open(home / "node.log", "wb") as log:
            process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       env={**os.environ, "OPENSEARCH_HEAP": heap, "OPENSEARCH_JAVA_OPTS": java_opts},
                                       preexec_fn=_die_with_parent)
        nodes.append(Node(name, ports[i], transport[i], home, process))
    cluster = Cluster(nodes, base, owns_base)
    try:
        cluster.health("yellow" if count == 1 else "green", nodes=count)
    except BaseException:
        cluster.stop()
        raise
    return cluster


@contextmanager
def start_cluster(count: int = 1, base: Path | None = None, heap: str = DEFAULT_HEAP,
                  java_opts: str = FAST_START_JAVA_OPTS):
    """Run `count` nodes for the duration of the block; stop them (and any left alive) after."""
    cluster = launch(count, base, heap, java_opts)
    try:
        yield cluster
    finally:
        cluster.stop()
