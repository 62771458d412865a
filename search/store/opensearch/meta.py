"""What goes with each Mosaic index in the cluster, kept in the `<prefix>-meta` index, and the
build lock.

Per index, keyed by its name (so the alias switch that publishes an index publishes these with
it): a header (format, article count, cluster and facet sizes, the gazetteer's digest) and
blobs: the input-file manifest that `mosaic index` compares files against (on any machine), the
vocabulary for "did you mean" and key terms, the term lists wildcards expand against, and the
actor alias table. Blobs are JSON, zlib-compressed, in chunks: data read by every Mosaic server,
so nothing that unpickles.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import threading
import time
import zlib

from search.errors import SearchError
from search.store.opensearch.connection import Cluster

logger = logging.getLogger(__name__)

CHUNK_BYTES = 4 << 20  # compressed bytes per blob document (requests stay well under 100 MB)
LOCK_ID = "build-lock"
# A build renews its lock this often; a lock not renewed for LOCK_STALE_SECONDS belongs to a
# build that died (killed, machine gone) and the next build takes it over.
LOCK_RENEW_SECONDS = 20.0
LOCK_STALE_SECONDS = 120.0

META_BODY = {
    "settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1", "refresh_interval": "-1"}},
    "mappings": {"dynamic": False, "properties": {
        "index": {"type": "keyword"}, "kind": {"type": "keyword"}, "chunk": {"type": "integer"},
        "data": {"type": "binary"},
    }},
}


def ensure_meta_index(cluster: Cluster) -> None:
    from opensearchpy import RequestError

    client = cluster.client
    if client.indices.exists(index=cluster.names.meta):
        return
    try:
        client.indices.create(index=cluster.names.meta, body=META_BODY)
    except RequestError as exc:
        if "resource_already_exists" not in str(exc):  # another build made it meanwhile
            raise


def _doc_id(index: str, kind: str, chunk: int | None = None) -> str:
    return f"{index}:{kind}" if chunk is None else f"{index}:{kind}:{chunk}"


def write_meta(cluster: Cluster, index: str, header: dict, blobs: dict[str, object]) -> None:
    """Store an index's header and blobs (replacing any earlier ones), visible at once."""
    from opensearchpy import helpers

    actions = []
    chunks = {}
    for kind, value in blobs.items():
        data = zlib.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)
        parts = [data[i : i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)] or [b""]
        chunks[kind] = len(parts)
        for n, part in enumerate(parts):
            actions.append({"_index": cluster.names.meta, "_id": _doc_id(index, kind, n),
                            "_source": {"index": index, "kind": kind, "chunk": n,
                                        "data": base64.b64encode(part).decode("ascii")}})
    actions.append({"_index": cluster.names.meta, "_id": _doc_id(index, "header"),
                    "_source": {"index": index, "kind": "header", "header": {**header, "chunks": chunks}}})
    helpers.bulk(cluster.client, actions, max_chunk_bytes=CHUNK_BYTES * 3, refresh=True,
                 request_timeout=120)


def read_header(cluster: Cluster, index: str) -> dict | None:
    """Return an index's header, or None when it has none (not built by this Mosaic)."""
    found = cluster.client.get(index=cluster.names.meta, id=_doc_id(index, "header"), ignore=404)
    return found["_source"].get("header") if found.get("found") else None


def read_blob(cluster: Cluster, index: str, header: dict, kind: str):
    """Return one blob of an index, or None when it has none or it cannot be read."""
    count = header.get("chunks", {}).get(kind)
    if not count:
        return None
    ids = [_doc_id(index, kind, n) for n in range(count)]
    found = cluster.client.mget(index=cluster.names.meta, body={"ids": ids}, request_timeout=120)
    parts = []
    for doc in found["docs"]:
        if not doc.get("found"):
            logger.warning("%s of %s is missing a chunk", kind, index)
            return None
        parts.append(base64.b64decode(doc["_source"]["data"]))
    try:
        return json.loads(zlib.decompress(b"".join(parts)).decode("utf-8"))
    except (zlib.error, ValueError) as exc:
        logger.warning("%s of %s cannot be read: %s", kind, index, exc)
        return None


def delete_meta(cluster: Cluster, indexes: list[str]) -> None:
    """Remove what the meta index holds for these indexes."""
    if not indexes:
        return
    cluster.client.delete_by_query(index=cluster.names.meta, body={"query": {"terms": {"index": indexes}}},
                                   refresh=True, conflicts="proceed", request_timeout=120)


def _died_here(owner: str) -> bool:
    """Whether a lock's owner was a process on this machine that no longer runs (a build
    killed here need not be waited out)."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class BuildLock:
    """One build at a time per prefix, across machines: a document created only if absent,
    renewed while the build runs, taken over once it is stale."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{time.time_ns()}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _body(self) -> dict:
        return {"kind": "lock", "owner": self.owner, "renewed": time.time()}

    def acquire(self) -> None:
        from opensearchpy import ConflictError, NotFoundError

        client, meta = self.cluster.client, self.cluster.names.meta
        try:
            client.create(index=meta, id=LOCK_ID, body=self._body(), refresh=True)
        except ConflictError:
            try:
                held = client.get(index=meta, id=LOCK_ID)
            except NotFoundError:
                return self.acquire()  # released meanwhile
            age = time.time() - float(held["_source"].get("renewed", 0))
            if age < LOCK_STALE_SECONDS and not _died_here(held["_source"].get("owner", "")):
                raise SearchError(f"another build is running on the OpenSearch index {self.cluster.names.alias!r} "
                                  f"({held['_source'].get('owner', '?')})", hint="wait for it to finish") from None
            logger.warning("taking over a build lock not renewed for %.0fs", age)
            try:  # only if nobody else took it over first
                client.index(index=meta, id=LOCK_ID, body=self._body(), refresh=True,
                             if_seq_no=held["_seq_no"], if_primary_term=held["_primary_term"])
            except ConflictError:
                raise SearchError("another build took over a stale build lock", hint="wait for it to finish") from None
        self._thread = threading.Thread(target=self._renew, name="mosaic-build-lock", daemon=True)
        self._thread.start()

    def _renew(self) -> None:
        while not self._stop.wait(LOCK_RENEW_SECONDS):
            try:
                self.cluster.client.index(index=self.cluster.names.meta, id=LOCK_ID, body=self._body())
            except Exception as exc:  # the build itself will meet the same trouble and report it
                logger.warning("could not renew the build lock: %s", exc)

    def release(self) -> None:
        from opensearchpy import NotFoundError

        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
            try:
                held = self.cluster.client.get(index=self.cluster.names.meta, id=LOCK_ID)
                if held["_source"].get("owner") == self.owner:
                    self.cluster.client.delete(index=self.cluster.names.meta, id=LOCK_ID, refresh=True,
                                               if_seq_no=held["_seq_no"], if_primary_term=held["_primary_term"])
            except NotFoundError:
                pass
