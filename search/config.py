"""Settings: every knob with its default and help text. The only module that reads os.environ."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path


def _setting(default, env: str, help: str, kind: type | None = None, secret: bool = False):
    """A setting: its default, its environment variable, its help text and, where the default
    does not show it (None), the type its text is read as. Secrets stay out of reprs and logs."""
    kind = kind or (Path if default is None or isinstance(default, Path) else type(default))
    return field(default=default, repr=not secret, metadata={"env": env, "help": help, "kind": kind})


@dataclass(frozen=True)
class Settings:
    index_dir: Path = _setting(Path("index"), "MOSAIC_INDEX_DIR", "Directory of the on-disk index.")
    seeds_dir: Path = _setting(Path("seeds"), "MOSAIC_SEEDS_DIR", "What `mosaic index` and `mosaic serve` ingest when given no path.")
    actors_file: Path | None = _setting(None, "MOSAIC_ACTORS_FILE", "Extra gazetteer (TOML, same format as search/data/actors.toml) merged over the built-in one.")
    index_workers: int = _setting(0, "MOSAIC_INDEX_WORKERS", "Processes that read and extract files during `mosaic index` (0: one per CPU core).")
    max_file_mb: float = _setting(20.0, "MOSAIC_MAX_FILE_MB", "Files larger than this (in MB) are skipped and reported; for a WARC file, each record (the file may be any size).")
    actor_min_mentions: int = _setting(1, "MOSAIC_ACTOR_MIN_MENTIONS", "Body mentions an actor needs before the article counts under it in the actor facet.")
    per_page: int = _setting(10, "MOSAIC_PER_PAGE", "Results per page when the request does not say.")
    max_per_page: int = _setting(100, "MOSAIC_MAX_PER_PAGE", "Largest page size a request may ask for.")
    max_page: int = _setting(1000, "MOSAIC_MAX_PAGE", "Highest page number a request may ask for.")
    max_query_chars: int = _setting(1000, "MOSAIC_MAX_QUERY_CHARS", "Longest query text accepted.")
    max_query_terms: int = _setting(256, "MOSAIC_MAX_QUERY_TERMS", "Most terms a query may have (each field of the scope counts); more is refused with a 400.")
    max_phrase_words: int = _setting(32, "MOSAIC_MAX_PHRASE_WORDS", "Most words one quoted phrase may have; longer is refused with a 400.")
    max_wildcard_words: int = _setting(2000, "MOSAIC_MAX_WILDCARD_WORDS", "Most index words one wildcard may stand for; more is refused with a 400.")
    snippet_scan_chars: int = _setting(200_000, "MOSAIC_SNIPPET_SCAN_CHARS", "Characters of a field read to find a hit's snippet (its opening; the rest of a giant article is not scanned).")
    query_timeout: float = _setting(5.0, "MOSAIC_QUERY_TIMEOUT", "Seconds a query may run before it is stopped with an error.")
    facet_size: int = _setting(10, "MOSAIC_FACET_SIZE", "Facet values shown before 'show more'.")
    facet_limit: int = _setting(200, "MOSAIC_FACET_LIMIT", "Most values a facet lists in one answer (the most frequent; selected ones always show).")
    max_filter_values: int = _setting(50, "MOSAIC_MAX_FILTER_VALUES", "Most values one filter may list (outlet=…&outlet=…); more is refused with a 400.")
    max_request_bytes: int = _setting(65536, "MOSAIC_MAX_REQUEST_BYTES", "Largest request body accepted (every endpoint is GET); more is refused with a 413.")
    host: str = _setting("127.0.0.1", "MOSAIC_HOST", "Address `mosaic serve` listens on.")
    port: int = _setting(8000, "MOSAIC_PORT", "Port `mosaic serve` listens on.")
    workers: int = _setting(0, "MOSAIC_WORKERS", "Server processes `mosaic serve` runs (0: one per CPU core).")
    threads: int = _setting(2, "MOSAIC_THREADS", "Request threads in each server process (a search is CPU work: more threads share one core, and a request waits for the first free thread of any process).")
    idle_timeout: int = _setting(10, "MOSAIC_IDLE_TIMEOUT", "Seconds a connection may stay silent (before, within or between requests) before the server closes it.")
    worker_timeout: int = _setting(60, "MOSAIC_WORKER_TIMEOUT", "Seconds a server process may stop answering its master before it is replaced; also the grace period of a restart.")
    max_connections: int = _setting(1000, "MOSAIC_MAX_CONNECTIONS", "Open connections each server process accepts at once.")
    api_token: str = _setting("", "MOSAIC_API_TOKEN", "When set, every page and API call needs it (header `Authorization: Bearer <token>`, or `?token=` once, which sets a cookie).", secret=True)
    engine: str = _setting("whoosh", "MOSAIC_ENGINE", "Search engine: whoosh (embedded, the index in MOSAIC_INDEX_DIR) or opensearch (a cluster at MOSAIC_OPENSEARCH_URL).")
    opensearch_url: str = _setting("http://127.0.0.1:9200", "MOSAIC_OPENSEARCH_URL", "OpenSearch cluster address(es), comma-separated.")
    opensearch_user: str = _setting("", "MOSAIC_OPENSEARCH_USER", "OpenSearch basic-auth user name (with MOSAIC_OPENSEARCH_PASSWORD).")
    opensearch_password: str = _setting("", "MOSAIC_OPENSEARCH_PASSWORD", "OpenSearch basic-auth password.", secret=True)
    opensearch_api_key: str = _setting("", "MOSAIC_OPENSEARCH_API_KEY", "OpenSearch API key (base64 id:key), instead of basic auth.", secret=True)
    opensearch_ca_bundle: Path | None = _setting(None, "MOSAIC_OPENSEARCH_CA_BUNDLE", "CA certificate file to verify the cluster's TLS certificate with.")
    opensearch_prefix: str = _setting("mosaic", "MOSAIC_OPENSEARCH_PREFIX", "Prefix of Mosaic's index and alias names in the cluster.")
    opensearch_shards: int = _setting(1, "MOSAIC_OPENSEARCH_SHARDS", "Primary shards of a new OpenSearch index.")
    opensearch_replicas: int = _setting(0, "MOSAIC_OPENSEARCH_REPLICAS", "Replicas of each shard of a new OpenSearch index.")

    @classmethod
    def from_env(cls, environ=None, **overrides) -> "Settings":
        """Return settings from MOSAIC_* environment variables, then explicit overrides."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            values[f.name] = f.metadata["kind"](raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for f in fields(cls):
            if f.metadata["kind"] is Path and values.get(f.name) is not None:
                values[f.name] = Path(values[f.name])
        return replace(cls(), **values)


def describe_settings() -> list[tuple[str, str, object, str]]:
    """Return (name, environment variable, default, help) for every setting."""
    return [(f.name, f.metadata["env"], f.default, f.metadata["help"]) for f in fields(Settings)]
