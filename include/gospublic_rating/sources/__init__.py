"""Sources fill a run's raw layer with the contract tables.

A source has two steps, so that platforms can be extracted in parallel tasks:
``extract_registry`` writes raw/regions, raw/organizations and raw/pages;
``extract_platform`` writes raw/page_stats/<platform> and raw/posts/<platform>.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ..errors import SettingsError
from ..lake import RunLake
from ..period import Period


class Source(Protocol):
    name: str

    def extract_registry(self, lake: RunLake, period: Period) -> dict[str, int]: ...

    def extract_platform(self, lake: RunLake, period: Period, platform: str) -> dict[str, int]: ...


SOURCE_NAMES = ("demo", "files")


def make_source(
    name: str, *, scale: int | None = None, seed: int | None = None, input_dir: str | None = None
) -> Source:
    """The source called ``name`` ('demo' or 'files') with its settings."""
    if name == "demo":
        from .demo import DemoSource

        return DemoSource(scale=scale, seed=seed)
    if name == "files":
        from .files import FilesSource

        if not input_dir:
            raise SettingsError("source 'files' needs an input folder (INPUT_DIR=...)")
        return FilesSource(Path(input_dir))
    raise SettingsError(f"unknown source {name!r}: choose one of {', '.join(SOURCE_NAMES)}")
