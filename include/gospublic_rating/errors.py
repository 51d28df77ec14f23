"""Errors that a retry cannot fix.

Tasks fail at once on these (the DAG's retry policy matches :class:`NotRetryable`);
anything else, such as a lost connection, is retried.
"""


class NotRetryable(Exception):
    """Bad input, a bad setting or a refused publication: retrying the task cannot help."""


class SettingsError(NotRetryable, ValueError):
    """A run setting that does not make sense (source, folder, scale)."""
