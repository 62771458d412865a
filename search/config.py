"""Settings: every knob with its default and help text. The only module that reads os.environ."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path


def _setting(default, env: str, help: str):
    return field(default=default, metadata={"env": env, "help": help})


@dataclass(frozen=True)
class Settings:
    index_dir: Path = _setting(Path("index"), "MOSAIC_INDEX_DIR", "Directory of the on-disk index.")
    seeds_dir: Path = _setting(Path("seeds"), "MOSAIC_SEEDS_DIR", "What `mosaic index` and `mosaic serve` ingest when given no path.")
    actors_file: Path | None = _setting(None, "MOSAIC_ACTORS_FILE", "Extra gazetteer (TOML, same format as search/data/actors.toml) merged over the built-in one.")
    index_workers: int = _setting(0, "MOSAIC_INDEX_WORKERS", "Processes that read and extract files during `mosaic index` (0: one per CPU core).")
    max_file_mb: float = _setting(20.0, "MOSAIC_MAX_FILE_MB", "Files larger than this are skipped and reported.")
    actor_min_mentions: int = _setting(1, "MOSAIC_ACTOR_MIN_MENTIONS", "Body mentions an actor needs before the article counts under it in the actor facet.")
    per_page: int = _setting(10, "MOSAIC_PER_PAGE", "Results per page when the request does not say.")
    max_per_page: int = _setting(100, "MOSAIC_MAX_PER_PAGE", "Largest page size a request may ask for.")
    max_page: int = _setting(1000, "MOSAIC_MAX_PAGE", "Highest page number a request may ask for.")
    max_query_chars: int = _setting(1000, "MOSAIC_MAX_QUERY_CHARS", "Longest query text accepted.")
    query_timeout: float = _setting(5.0, "MOSAIC_QUERY_TIMEOUT", "Seconds a query may run before it is stopped with an error.")
    facet_size: int = _setting(10, "MOSAIC_FACET_SIZE", "Facet values shown before 'show more'.")
    host: str = _setting("127.0.0.1", "MOSAIC_HOST", "Address `mosaic serve` listens on.")
    port: int = _setting(8000, "MOSAIC_PORT", "Port `mosaic serve` listens on.")

    @classmethod
    def from_env(cls, environ=None, **overrides) -> "Settings":
        """Return settings from MOSAIC_* environment variables, then explicit overrides."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            kind = type(f.default) if f.default is not None else Path
            if isinstance(f.default, Path) or f.default is None:
                kind = Path
            values[f.name] = kind(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("index_dir", "seeds_dir", "actors_file"):
            if values.get(key) is not None:
                values[key] = Path(values[key])
        return replace(cls(), **values)


def describe_settings() -> list[tuple[str, str, object, str]]:
    """Return (name, environment variable, default, help) for every setting."""
    return [(f.name, f.metadata["env"], f.default, f.metadata["help"]) for f in fields(Settings)]
