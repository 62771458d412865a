"""One exception family for the whole engine; the CLI and web layer map it to messages and codes."""


class SearchError(Exception):
    """Base class: `code` is a stable machine-readable name, the message says what to do."""

    code = "error"

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint


class IngestError(SearchError):
    """A file could not be read or made into an article; the run skips it and reports why."""

    code = "ingest_error"


class IndexMissing(SearchError):
    """No index exists at the configured location."""

    code = "index_missing"


class IndexOutdated(IndexMissing):
    """The index was built by a Mosaic whose files mean something else; it must be rebuilt."""

    code = "index_outdated"


class BadQuery(SearchError):
    """A query or search parameter the user gave is malformed."""

    code = "bad_query"


class TooLarge(SearchError):
    """A request larger than the server accepts (its body, its URL, its headers)."""

    code = "request_too_large"


class NotFound(SearchError):
    """A requested article id is not in the index."""

    code = "not_found"


class QueryTimeout(SearchError):
    """A query ran past the time limit and was stopped: the server is not broken, but it will
    not answer this one (503 on every surface, declared in the OpenAPI document)."""

    code = "query_timeout"
