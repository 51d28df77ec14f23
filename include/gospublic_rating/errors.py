"""Errors that a retry cannot fix.

Tasks fail at once on these (the DAG's retry policy matches :class:`NotRetryable`);
anything else, such as a lost connection, is retried.
"""


class NotRetryable(Exception):
    """Bad input, a bad setting or a refused publication: retrying the task cannot help."""


class SettingsError(NotRetryable, ValueError):
    """A run setting that does not make sense (source, folder, scale)."""


class ResourceExhausted(NotRetryable, RuntimeError):
    """DuckDB ran out of memory (or spill space): a limit of the machine or the settings, not the data.

    Not retried: DuckDB works within GOSPUBLIC_DUCKDB_MEMORY_LIMIT, so the same run on the
    same settings runs out again; raise the limit (or free the spill folder) and rerun.
    """
