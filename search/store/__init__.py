"""Engines behind search.engine's interface: `whoosh` (embedded, the default) and `opensearch`."""
