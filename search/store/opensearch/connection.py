"""The cluster connection: one client per settings, the names Mosaic uses in the cluster, and
OpenSearch's errors turned into Mosaic's.

Names, all under MOSAIC_OPENSEARCH_PREFIX (default "mosaic"):

    <prefix>              the alias searches go through; it points at the live index
    <prefix>-gen-<stamp>  one index per build or update (like the Whoosh engine's generations)
    <prefix>-meta         what goes with each index (input-file manifest, vocabulary, term
                          lists, actor table), keyed by the index's name; and the build lock
"""

from __future__ import annotations

import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

from search.config import Settings
from search.errors import IndexMissing, SearchError

logger = logging.getLogger(__name__)

# Seconds a request to the cluster may take before the client gives up (searches are bounded
# by MOSAIC_QUERY_TIMEOUT on top of this; bulk requests and index creation take longer).
REQUEST_TIMEOUT = 30.0
ADMIN_TIMEOUT = 120.0
# A node that does not answer is retried on another node this many times (a cluster of three
# keeps answering while one node restarts).
MAX_RETRIES = 3
# Connections kept open per node: a server's request threads and a build's bulk threads each
# hold one at a time (urllib3 keeps one by default, and discards the rest after each use).
POOL_SIZE = 16


@dataclass(frozen=True)
class Names:
    """The alias, index and meta-index names of one prefix."""

    prefix: str

    @property
    def alias(self) -> str:
        return self.prefix

    @property
    def meta(self) -> str:
        return f"{self.prefix}-meta"

    @property
    def generation_pattern(self) -> str:
        return f"{self.prefix}-gen-*"

    def new_generation(self) -> str:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dt%H%M%S%f")
        return f"{self.prefix}-gen-{stamp}"

    def is_generation(self, name: str) -> bool:
        return name.startswith(f"{self.prefix}-gen-")


def hosts_of(settings: Settings) -> list[str]:
    return [h.strip().rstrip("/") for h in settings.opensearch_url.split(",") if h.strip()]


def make_client(settings: Settings):
    """Return an opensearch-py client for the cluster the settings name (auth, CA bundle)."""
    from opensearchpy import OpenSearch

    options: dict = {"timeout": REQUEST_TIMEOUT, "max_retries": MAX_RETRIES, "retry_on_timeout": False,
                     # 502-504: a node restarting behind a proxy; another node may answer
                     "retry_on_status": (502, 503, 504), "pool_maxsize": POOL_SIZE}
    if settings.opensearch_user:
        options["http_auth"] = (settings.opensearch_user, settings.opensearch_password)
    if settings.opensearch_api_key:
        options["headers"] = {"Authorization": f"ApiKey {settings.opensearch_api_key}"}
    if settings.opensearch_ca_bundle is not None:
        options.update(ca_certs=str(settings.opensearch_ca_bundle), verify_certs=True)
    return OpenSearch(hosts_of(settings), **options)


class Cluster:
    """A client and the names of one Mosaic installation in an OpenSearch cluster."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.names = Names(settings.opensearch_prefix.lower())
        self._client, self._pid = None, None

    @property
    def client(self):
        """The client of this process: `mosaic serve` warms its engine before forking its
        workers, and a connection inherited across a fork would be shared by two processes."""
        if self._client is None or self._pid != os.getpid():
            self._client, self._pid = make_client(self.settings), os.getpid()
        return self._client

    @property
    def where(self) -> str:
        return ", ".join(hosts_of(self.settings))

    def live_index(self) -> str | None:
        """Return the name of the index the alias points at, or None when there is none yet."""
        with errors(self):
            # ignore=404: an absent alias is an answer here, not an error for the client to log
            found = self.client.indices.get_alias(name=self.names.alias, ignore=404)
        names = [name for name in found if name not in ("error", "status")]
        return sorted(names)[-1] if names else None

    def require_live(self) -> str:
        """Return the live index's name; raise IndexMissing when there is none."""
        name = self.live_index()
        if name is None:
            raise IndexMissing(f"no Mosaic index {self.names.alias!r} in the OpenSearch cluster at {self.where}",
                               hint="build one with: MOSAIC_ENGINE=opensearch mosaic index [PATH ...]")
        return name

    def generations(self) -> list[str]:
        """Return the names of every Mosaic index of this prefix, oldest first."""
        with errors(self):
            found = self.client.indices.get(index=self.names.generation_pattern, allow_no_indices=True,
                                            expand_wildcards="open,closed")
        return sorted(found)


@contextmanager
def errors(cluster: Cluster):
    """Turn the client's transport errors into Mosaic's: an unreachable or refusing cluster is
    IndexMissing (503 in the web layer) with a hint on what to check."""
    from opensearchpy import AuthenticationException, AuthorizationException, ConnectionError, ConnectionTimeout, TransportError

    try:
        yield
    except ConnectionTimeout as exc:
        raise IndexMissing(f"the OpenSearch cluster at {cluster.where} did not answer in time",
                           hint="check that it is up and not overloaded") from exc
    except ConnectionError as exc:
        raise IndexMissing(f"cannot reach OpenSearch at {cluster.where}",
                           hint="start a node with `make opensearch`, or set MOSAIC_OPENSEARCH_URL") from exc
    except (AuthenticationException, AuthorizationException) as exc:
        raise IndexMissing(f"the OpenSearch cluster at {cluster.where} refused Mosaic's credentials",
                           hint="check MOSAIC_OPENSEARCH_USER/_PASSWORD or MOSAIC_OPENSEARCH_API_KEY") from exc
    except TransportError as exc:
        if exc.status_code not in (429, 502, 503, 504):
            raise
        raise IndexMissing(f"the OpenSearch cluster at {cluster.where} is busy or unavailable (HTTP {exc.status_code})",
                           hint="try again shortly; check the cluster's health") from exc


def wait_for_index(cluster: Cluster, index: str, timeout: float = ADMIN_TIMEOUT) -> None:
    """Wait until every primary shard of `index` is active (yellow), or raise SearchError."""
    deadline = time.monotonic() + timeout
    while True:
        health = cluster.client.cluster.health(index=index, wait_for_status="yellow", timeout="5s",
                                               params={"request_timeout": 10})
        if not health.get("timed_out"):
            return
        if time.monotonic() > deadline:
            raise SearchError(f"OpenSearch index {index} did not become ready in {timeout:.0f}s",
                              hint="check the cluster's health and disk space")
