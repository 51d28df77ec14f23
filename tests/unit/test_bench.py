"""The benchmark's reference query is the methodology: it ranks exactly as the SQL models do.

(The benchmark itself, `make bench`, measures and is never collected; this only checks what
it compares against, on a small demo month.)
"""

from __future__ import annotations

import pytest
from gospublic_rating import bench
from gospublic_rating.lake import RunLake
from gospublic_rating.methodology import available, load
from gospublic_rating.sources.demo import DemoSource


@pytest.mark.parametrize("version", available())
def test_the_plain_query_ranks_every_region_as_the_models_do(tmp_path, version):
    lake = RunLake(tmp_path / "run")
    platforms = load(version).platforms
    source = DemoSource(scale=2000, seed=11, platforms=platforms)
    source.extract_registry(lake, bench.BENCH_PERIOD)
    for platform in platforms:
        source.extract_platform(lake, bench.BENCH_PERIOD, platform)
    figures = bench.compare_models(lake, repeats=1, version=version)
    assert figures["same_ranking"] is True
    timed_models = set(figures["per_model_seconds"])  # which models the figures cover, not their durations
    assert timed_models >= {"stg_posts", "int_page_metrics", "ranking"}


def test_the_time_per_task_is_read_from_make_runs_output():
    output = (
        "DAG run finished in 30.2 s (exit code 0)\n"
        "time per task:\n"
        "  resolve_run                     0.4 s  success\n"
        "  extract_vk                      2.5 s  success, 4 instances\n"
        "  publish                            -  upstream_failed\n"
        "  report                          1.0 s  success\n"
        "\n"
        "DEMO DATA — not a real rating.   1.0 s\n"
    )
    assert bench.task_seconds(output) == {"resolve_run": 0.4, "extract_vk": 2.5, "report": 1.0}
    assert bench.task_seconds("no DAG run") == {}
