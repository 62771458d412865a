"""Writing Mosaic indexes into OpenSearch: a rebuild, or an update of the live index.

Both write a new index and publish it by switching the alias in one request, the OpenSearch
way of doing what the Whoosh engine's generations do: searches see the old index until the
switch and the new one after it, never a mix, and a failed or killed build leaves the alias
where it was. A rebuild creates the index empty. An update clones the live index (hard links to
its segments: about a second, whatever its size), deletes the articles of changed and vanished
files from the clone and adds the new ones by id. Near-duplicate clusters are computed once
everything is in, with the array code the Whoosh engine uses, and written to the articles whose
cluster changed. The input-file manifest and the other tables go to the meta index under the
new index's name before the switch, so a `mosaic index` on another machine reads them.
"""

from __future__ import annotations

import base64
import logging
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

from search.config import Settings
from search.engine import SourceState
from search.errors import SearchError
from search.filters import FACETS
from search.ingest.actors import gazetteer_digest
from search.ingest.fingerprint import unpack
from search.schema import actor_term_table, facet_column
from search.store.opensearch import meta
from search.store.opensearch.connection import ADMIN_TIMEOUT, Cluster, errors, wait_for_index
from search.store.opensearch.mapping import LEXICON_FIELDS, analysis_version, OpenSearchPreparer, PreparedDocument, index_body
from search.store.whoosh.duplicates import cluster_roots
from search.vocabulary import words_of

logger = logging.getLogger(__name__)

# What an index's documents and tables mean; an index of another format is rebuilt by the next
# `mosaic index` and refused by searches until then.
FORMAT = "os-1"
# Bulk indexing: requests of this many documents or bytes, this many in flight at once (the
# cluster's write threads do the work; more parallel requests only queue there), and how often
# a request the cluster refused as too busy (429) is tried again, waiting 2, 4, 8 ... seconds.
BULK_DOCS = 500
BULK_BYTES = 8 << 20
BULK_THREADS = 2
BULK_RETRIES = 6
QUEUE_DOCS = 4 * BULK_DOCS  # prepared documents waiting for a bulk thread
SCAN_SIZE = 2000


MEMBER_FIELDS = ("seq", "id", "fingerprint", "date", facet_column("outlet"), "cluster", "dup", "copies", "copies_outlets", "earliest")


@dataclass(frozen=True)
class Member:
    """What clustering needs of one article, and what the index holds of its cluster now."""

    id: str
    seq: int
    fingerprint: bytes
    date: str
    outlet: str
    shown: tuple = ()  # (cluster, dup, copies, copies_outlets, earliest) as stored

    @classmethod
    def from_fields(cls, doc_id: str, fields: dict) -> "Member":
        def one(name, default=None):
            values = fields.get(name) or [default]
            return values[0]

        seq = int(one("seq"))
        shown = (int(one("cluster", seq)), bool(one("dup", False)), int(one("copies", 1)),
                 int(one("copies_outlets", 1)), one("earliest", doc_id))
        packed = one("fingerprint", "") or ""  # doc values give base64 without its padding
        return cls(doc_id, seq, base64.b64decode(packed + "=" * (-len(packed) % 4)), one("date", "") or "",
                   one(facet_column("outlet"), "") or "", shown)


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat().replace("+00:00", "Z")


def _copies(members: list[Member]) -> tuple[bool, int, int, str]:
    """(dup, copies, outlets, earliest id) of a cluster: the earliest is the first dated
    article in date order, undated ones after, ties in index order (as the Whoosh engine)."""
    earliest = min(members, key=lambda m: (not m.date, m.date, m.seq))
    return len(members) > 1, len(members), len({m.outlet for m in members}), earliest.id


class OpenSearchWriter:
    """A build or update of one Mosaic index in OpenSearch (search.engine.IndexWriter)."""

    def __init__(self, settings: Settings, rebuild: bool):
        self.settings = settings
        self.cluster = cluster = Cluster(settings)
        self.client = cluster.client
        self.index: str | None = None
        self._bulk: _BulkPipe | None = None
        with errors(cluster):
            meta.ensure_meta_index(cluster)
            self._lock = meta.BuildLock(cluster)
            self._lock.acquire()
            try:
                self._open(rebuild)
            except BaseException:
                self.close()
                raise

    def _open(self, rebuild: bool) -> None:
        cluster = self.cluster
        self.live = cluster.live_index()
        self._remove_stale()
        self.rebuilt_because = ""
        header = meta.read_header(cluster, self.live) if self.live else None
        self.live_header = header or {}
        self.incremental = not rebuild and header is not None
        if not rebuild and self.live and header is None:
            self.rebuilt_because = "the index has no record of its files"
        if self.incremental and header.get("format") != FORMAT:
            self.incremental, self.rebuilt_because = False, "the index was built by an older Mosaic"
        if self.incremental and header.get("analysis") != analysis_version():
            self.incremental, self.rebuilt_because = False, "Mosaic's text analysis changed"
        if self.incremental and header.get("gazetteer") not in ("", gazetteer_digest(self.settings.actors_file)):
            # Actors are found at ingest: articles read with the old gazetteer would keep its actors.
            self.incremental, self.rebuilt_because = False, "the gazetteer changed"
        manifest = meta.read_blob(cluster, self.live, header, "manifest") if self.incremental else {}
        if manifest is None:
            self.incremental, manifest = False, {}
            self.rebuilt_because = "the list of indexed files could not be read"
        self._sources = {path: SourceState(*state) for path, state in manifest.items()}
        if self.rebuilt_because:
            logger.info("reading every file again: %s", self.rebuilt_because)
        self._deleted: set[str] = set()
        self._known: set[str] = set()

    def _remove_stale(self) -> None:
        """Delete the indexes of builds that died, and those older than the live one's
        predecessor (which searches that started before the last switch may still read)."""
        names = self.cluster.generations()
        keep = {self.live} if self.live else set()
        older = [n for n in names if self.live and n < self.live]
        if older:
            keep.add(older[-1])
        stale = [n for n in names if n not in keep]
        if stale:
            logger.info("removing stale indexes %s", ", ".join(stale))
            self.client.indices.delete(index=",".join(stale), ignore_unavailable=True, request_timeout=ADMIN_TIMEOUT)
            meta.delete_meta(self.cluster, stale)

    # --- search.engine.IndexWriter --------------------------------------------------------------

    def sources(self) -> dict[str, SourceState]:
        return self._sources

    def start(self) -> None:
        cluster, client = self.cluster, self.client
        self._started = time.perf_counter()
        self.index = name = cluster.names.new_generation()
        window = max(10_000, self.settings.max_page * self.settings.max_per_page + self.settings.max_per_page)
        with errors(cluster):
            if self.incremental:
                self._clone(self.live, name)
                self._load_live_tables()
            else:
                client.indices.create(index=name, body=index_body(self.settings, window), request_timeout=ADMIN_TIMEOUT)
                wait_for_index(cluster, name)
                self._vocabulary: Counter = Counter()
                self._terms: dict[str, set[str]] = {field: set() for field in LEXICON_FIELDS}
                self._next_seq = 0
        self._first_seq = self._next_seq
        # Indexed times: an article whose text is unchanged keeps the time it first entered the
        # index, through updates and rebuilds (feeds of what is new would otherwise offer the
        # whole index again after a rebuild); others get the time of this build.
        now = datetime.now(timezone.utc).replace(microsecond=0)
        self._now = (int(now.timestamp()), now.isoformat().replace("+00:00", "Z"))
        self._live_indexed = self._read_live_indexed()
        self._indexed = dict(self._live_indexed) if self.incremental else {}
        self._added: dict[int, Member] = {}  # seq → what clustering needs of the articles added now
        self._bulk = _BulkPipe(client, name)

    def _read_live_indexed(self) -> dict[str, list]:
        if not self.live or not self.live_header:
            return {}
        with errors(self.cluster):
            return meta.read_blob(self.cluster, self.live, self.live_header, "indexed") or {}

    def _clone(self, live: str, name: str) -> None:
        """Make `name` a copy of the live index (OpenSearch hard-links the segments)."""
        client = self.client
        client.indices.put_settings(index=live, body={"index.blocks.write": True})
        try:
            client.indices.clone(index=live, target=name, body={"settings": {"index.blocks.write": None}},
                                 request_timeout=ADMIN_TIMEOUT)
        finally:
            client.indices.put_settings(index=live, body={"index.blocks.write": None})
        wait_for_index(self.cluster, name)

    def _load_live_tables(self) -> None:
        header, cluster, live = self.live_header, self.cluster, self.live
        self._vocabulary = Counter(meta.read_blob(cluster, live, header, "vocabulary") or {})
        stored_terms = meta.read_blob(cluster, live, header, "terms") or {}
        self._terms = {field: set(stored_terms.get(field, ())) for field in LEXICON_FIELDS}
        self._known = set(self._terms["id"])
        self._next_seq = int(header.get("next_seq", 0))

    def preparer(self) -> OpenSearchPreparer:
        return OpenSearchPreparer()

    def delete_sources(self, sources: set[str]) -> None:
        from opensearchpy import helpers

        paths = sorted(sources)
        deletes = []
        with errors(self.cluster):
            self.client.indices.refresh(index=self.index)
            for at in range(0, len(paths), 1000):
                query = {"query": {"terms": {"path": paths[at : at + 1000]}},
                         "_source": ["id", "stored.title", "stored.body"]}
                for hit in helpers.scan(self.client, query=query, index=self.index, size=SCAN_SIZE):
                    source = hit["_source"]
                    stored = source.get("stored", {})
                    self._deleted.add(source["id"])
                    self._indexed.pop(source["id"], None)
                    self._vocabulary.subtract(words_of(stored.get("title", "") + "\n" + stored.get("body", "")))
                    deletes.append({"_op_type": "delete", "_index": self.index, "_id": hit["_id"]})
            # Deleted before anything is added: an article of a changed file comes back with its id.
            if deletes:
                helpers.bulk(self.client, deletes, chunk_size=BULK_DOCS, request_timeout=ADMIN_TIMEOUT)
        self._known -= self._deleted

    def is_known(self, article_id: str) -> bool:
        return article_id in self._known

    def add(self, prepared: PreparedDocument) -> None:
        seq = self._next_seq
        self._next_seq += 1
        before = self._live_indexed.get(prepared.id)
        seconds = before[1] if before and before[0] == prepared.digest else self._now[0]
        self._indexed[prepared.id] = (prepared.digest, seconds)
        moment = self._now[1] if seconds == self._now[0] else _iso(seconds)
        source = dict(prepared.source, seq=seq, indexed_at_seconds=seconds,
                      stored={**prepared.source["stored"], "indexed_at": moment},
                      cluster=seq, dup=False, copies=1, copies_outlets=1, earliest=prepared.id,
                      oldest_tiebreak=-seq if "date" in prepared.source else seq)
        self._bulk.put({"_index": self.index, "_id": prepared.id, "_source": source})
        self._added[seq] = Member(prepared.id, seq, prepared.fingerprint, source.get("date", ""),
                                  (source.get(facet_column("outlet")) or [""])[0], (seq, False, 1, 1, prepared.id))
        self._vocabulary.update(prepared.words)
        for field, terms in prepared.terms.items():
            self._terms[field] |= terms

    def publish(self, states: dict[str, SourceState], roots: list[str]) -> str:
        cluster, client, name = self.cluster, self.client, self.index
        try:
            with errors(cluster):
                self._bulk.close()
                self._bulk = None
                client.indices.refresh(index=name, request_timeout=ADMIN_TIMEOUT)
                logger.info("articles written in %.1fs", time.perf_counter() - self._started)
                dup_clusters = self._store_clusters()
                client.indices.refresh(index=name, request_timeout=ADMIN_TIMEOUT)
                count = client.count(index=name)["count"]
                facet_sizes = self._facet_sizes()
                header = {"format": FORMAT, "articles": count, "next_seq": self._next_seq,
                          "dup_clusters": dup_clusters, "facet_sizes": facet_sizes,
                          "gazetteer": gazetteer_digest(self.settings.actors_file), "analysis": analysis_version()}
                self._terms["id"] = self._known | {i for i in self._terms["id"] if i not in self._deleted}
                blobs = {
                    "manifest": {path: list(state) for path, state in states.items()},
                    "vocabulary": {w: n for w, n in self._vocabulary.items() if n > 0},
                    "terms": {field: sorted(terms) for field, terms in self._terms.items()},
                    "actor_terms": actor_term_table(self.settings),
                    "indexed": self._indexed,
                    "roots": roots,
                }
                meta.write_meta(cluster, name, header, blobs)
                self._switch_alias(name)
        except BaseException:
            self.cancel()
            raise
        self.live, old = name, self.live
        with errors(cluster):
            self._remove_stale()
        logger.info("published %s (was %s) at %.1fs", name, old, time.perf_counter() - self._started)
        return name

    def _store_clusters(self) -> int:
        """Compute the near-duplicate clusters over every article of the new index and write,
        to each article whose cluster changed, its cluster and what the result list shows of
        it (how many copies, in how many outlets, the earliest); return the number of clusters
        of several articles."""
        from opensearchpy import helpers

        articles = dict(self._added)  # seq → Member
        if self.incremental:  # the articles the clone kept, read from doc values (no _source)
            query = {"query": {"range": {"seq": {"lt": self._first_seq}}}, "_source": False,
                     "docvalue_fields": list(MEMBER_FIELDS)}
            for hit in helpers.scan(self.client, query=query, index=self.index, size=SCAN_SIZE):
                fields = hit.get("fields", {})
                member = Member.from_fields(hit["_id"], fields)
                articles[member.seq] = member
        order = sorted(articles)
        roots = cluster_roots([unpack(articles[seq].fingerprint) for seq in order])
        clusters: dict[int, list[int]] = {}
        for position, root in enumerate(roots):
            clusters.setdefault(order[root], []).append(order[position])
        updates = []
        for root, seqs in clusters.items():
            members = [articles[seq] for seq in seqs]
            shown = _copies(members)
            for member in members:
                if member.shown != (root, *shown):
                    updates.append({"_op_type": "update", "_index": self.index, "_id": member.id,
                                    "doc": dict(zip(("cluster", "dup", "copies", "copies_outlets", "earliest"), (root, *shown)))})
        if updates:
            helpers.bulk(self.client, updates, chunk_size=BULK_DOCS, request_timeout=ADMIN_TIMEOUT)
        shared = sum(1 for seqs in clusters.values() if len(seqs) > 1)
        logger.info("near-duplicates: %d clusters of several articles; %d articles updated", shared, len(updates))
        return shared

    def _facet_sizes(self) -> dict[str, int]:
        """Return an upper bound of each facet's number of distinct values (the size its
        aggregation asks for, so that every value is counted exactly)."""
        aggs = {facet: {"cardinality": {"field": facet_column(facet), "precision_threshold": 40000}} for facet in FACETS}
        found = self.client.search(index=self.index, body={"size": 0, "aggs": aggs}, request_timeout=ADMIN_TIMEOUT)
        # Exact below the precision threshold in practice; the margin covers the estimate's error.
        return {facet: int(found["aggregations"][facet]["value"] * 1.05) + 16 for facet in FACETS}

    def _switch_alias(self, name: str) -> None:
        alias = self.cluster.names.alias
        actions = [{"add": {"index": name, "alias": alias}}]
        current = self.cluster.live_index()
        if current is not None:
            if current != self.live:
                raise SearchError(f"the alias {alias!r} moved to {current} during this build", hint="run the build again")
            actions.insert(0, {"remove": {"index": current, "alias": alias}})
        self.client.indices.update_aliases(body={"actions": actions})

    def cancel(self) -> None:
        if self._bulk is not None:
            self._bulk.abort()
            self._bulk = None
        if self.index is not None and self.index != self.cluster.live_index():
            try:
                self.client.indices.delete(index=self.index, ignore_unavailable=True, request_timeout=ADMIN_TIMEOUT)
                meta.delete_meta(self.cluster, [self.index])
            except Exception as exc:  # the next build removes it
                logger.warning("could not remove the unfinished index %s: %s", self.index, exc)

    def close(self) -> None:
        if self._bulk is not None:
            self._bulk.abort()
            self._bulk = None
        self._lock.release()


class _BulkPipe:
    """Documents put in one thread, sent by BULK_THREADS threads in bulk requests, each retried
    on 429 with backoff (opensearch-py's streaming_bulk); the first failure stops the build."""

    _END = object()

    def __init__(self, client, index: str):
        self.client, self.index = client, index
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_DOCS)
        self.error: BaseException | None = None
        self.aborted = False
        self.threads = [threading.Thread(target=self._run, name=f"mosaic-bulk-{i}", daemon=True) for i in range(BULK_THREADS)]
        for thread in self.threads:
            thread.start()

    def _actions(self):
        while True:
            item = self.queue.get()
            if item is self._END:
                return
            if self.aborted:
                continue
            yield item

    def _run(self) -> None:
        from opensearchpy import helpers

        try:
            for ok, item in helpers.streaming_bulk(
                self.client, self._actions(), chunk_size=BULK_DOCS, max_chunk_bytes=BULK_BYTES,
                max_retries=BULK_RETRIES, initial_backoff=2, max_backoff=60, raise_on_error=True,
                request_timeout=ADMIN_TIMEOUT,
            ):
                pass
        except BaseException as exc:  # noqa: BLE001 - handed to the build thread
            self.error = self.error or exc
            self.aborted = True
            for _ in self._actions():  # drain, so put() never blocks on a dead consumer
                pass

    def put(self, action: dict) -> None:
        if self.error is not None:
            self._raise()
        self.queue.put(action)

    def close(self) -> None:
        for _ in self.threads:
            self.queue.put(self._END)
        for thread in self.threads:
            thread.join()
        if self.error is not None:
            self._raise()

    def abort(self) -> None:
        self.aborted = True
        for _ in self.threads:
            self.queue.put(self._END)
        for thread in self.threads:
            thread.join(timeout=ADMIN_TIMEOUT)

    def _raise(self):
        from opensearchpy.helpers import BulkIndexError

        exc = self.error
        if isinstance(exc, BulkIndexError):
            first = exc.errors[0] if exc.errors else {}
            raise SearchError(f"OpenSearch refused {len(exc.errors)} articles: {str(first)[:500]}",
                              hint="see the cluster's log") from exc
        raise exc
