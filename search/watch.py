"""Saved searches without accounts: `mosaic watch` prints what is new to the index for a search
since its last run, remembering where it stopped in a small local file."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

from search.config import Settings
from search.query import engine_for
from search.request import SearchRequest


def default_state_file() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "mosaic" / "watches.json"


def watch_key(request: SearchRequest, settings: Settings) -> str:
    """One watch per search and index: the search as URL parameters, and where it searches."""
    where = settings.opensearch_url if settings.engine == "opensearch" else str(Path(settings.index_dir).resolve())
    filters = [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in request.filter_values().items() if v]
    return f"{settings.engine}:{where}?" + urlencode([("q", request.q), ("in", request.scope), *filters])


def run_watch(request: SearchRequest, settings: Settings, state_file: Path) -> list[dict]:
    """Return the articles matching `request` indexed since this watch last ran (all matches
    on its first run), most recently indexed first, and remember the newest one's time."""
    state = _load(state_file)
    key = watch_key(request, settings)
    mark = state.get(key, {})
    search = replace(request, sort="indexed", page=1, indexed_since=mark.get("since"))
    seen = set(mark.get("seen", ()))
    new = [row for row in engine_for(settings).iter_export(search) if row["id"] not in seen]
    for row in new:
        row.pop("body", None)
    times = [row["indexed_at"] for row in new if row.get("indexed_at")]
    if times:
        newest = max(times)
        # Articles of the newest second are remembered by id: `since` includes that second.
        state[key] = {"since": newest, "seen": sorted({r["id"] for r in new if r.get("indexed_at") == newest}
                                                      | (seen if newest == mark.get("since") else set()))}
        _save(state_file, state)
    elif key not in state:
        state[key] = {"since": None, "seen": []}
        _save(state_file, state)
    return new


def _load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save(path: Path, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
