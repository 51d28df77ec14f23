"""What the subcommands share: argument types and the one way to report an error."""

from __future__ import annotations

import sys


def optional_int(text: str) -> int | None:
    """An integer argument that may be given empty (make passes unset variables as '')."""
    return int(text) if str(text).strip() else None


def fail(message: str, code: int = 2) -> int:
    """Print ``error: message`` to stderr and return the exit code."""
    print(f"error: {message}", file=sys.stderr)
    return code
