"""Sources fill a run's raw layer with the contract tables.

``extract_registry`` writes raw/regions, raw/organizations and raw/pages. Each platform is
then extracted in batches, so that batches can run as parallel (mapped) tasks and a
retried task resumes where it stopped: ``plan_batches`` numbers the batches,
``extract_batch`` does one, ``finish_platform`` writes raw/page_stats/<platform> and
raw/posts/<platform>. Sources without real batches (demo, files) do a platform in batch 0.
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

    def plan_batches(self, lake: RunLake, platform: str) -> list[int]: ...

    def extract_batch(self, lake: RunLake, period: Period, platform: str, batch: int) -> dict[str, int]: ...

    def finish_platform(self, lake: RunLake, period: Period, platform: str) -> dict[str, int]: ...


class WholePlatform:
    """For sources that deliver a platform at once: one batch, written straight to raw/."""

    def extract_platform(self, lake: RunLake, period: Period, platform: str) -> dict[str, int]:
        raise NotImplementedError

    def plan_batches(self, lake: RunLake, platform: str) -> list[int]:
        return [0]

    def extract_batch(self, lake: RunLake, period: Period, platform: str, batch: int) -> dict[str, int]:
        return self.extract_platform(lake, period, platform)

    def finish_platform(self, lake: RunLake, period: Period, platform: str) -> dict[str, int]:
        import pyarrow.parquet as pq

        return {t: pq.read_metadata(lake.raw_table(t, platform)).num_rows for t in ("page_stats", "posts")}


SOURCE_NAMES = ("demo", "files", "live")

# Parquet key-value metadata that `generate-demo` writes into every file it makes: files carrying
# it are synthetic, and a run reading them is marked demo (snapshot.runs.is_demo, the banner).
SYNTHETIC_KEY = b"gospublic.synthetic"


def mark_synthetic(lake: RunLake, marker: str) -> None:
    """Record in the run's lake that its inputs are synthetic (``marker`` says what made them)."""
    path = lake.layer("raw") / "synthetic.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(marker + "\n", encoding="utf-8")


def synthetic_marker(lake: RunLake) -> str | None:
    """What made the run's synthetic inputs, or None for real inputs."""
    path = lake.layer("raw") / "synthetic.txt"
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def make_source(
    name: str,
    *,
    scale: int | None = None,
    seed: int | None = None,
    input_dir: str | None = None,
    registry_dir: str | None = None,
    platforms: tuple[str, ...] | None = None,
) -> Source:
    """The source called ``name`` ('demo', 'files' or 'live') with its settings.

    ``platforms``: those of the run's methodology (default: the newest methodology's); the
    demo source generates pages on these, the files source accepts rows of these.
    """
    if platforms is None:
        from ..methodology import load

        platforms = load().platforms
    if name == "demo":
        from .demo import DemoSource

        return DemoSource(scale=scale, seed=seed, platforms=platforms)
    if name == "files":
        from .files import FilesSource

        if not input_dir:
            raise SettingsError("source 'files' needs an input folder (INPUT_DIR=...)")
        return FilesSource(Path(input_dir), platforms)
    if name == "live":
        from .live import LiveSource

        if not registry_dir:
            raise SettingsError("source 'live' needs a registry folder (REGISTRY_DIR=...)")
        return LiveSource(Path(registry_dir))
    raise SettingsError(f"unknown source {name!r}: choose one of {', '.join(SOURCE_NAMES)}")
