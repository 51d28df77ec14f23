"""The benchmark's reference query is the methodology: it ranks exactly as the SQL models do.

(The benchmark itself, `make bench`, measures and is never collected; this only checks what
it compares against, on a small demo month.)
"""

from __future__ import annotations

from gospublic_rating import bench
from gospublic_rating.lake import RunLake
from gospublic_rating.sources.demo import PLATFORMS, DemoSource


def test_the_plain_query_ranks_every_region_as_the_models_do(tmp_path):
    lake = RunLake(tmp_path / "run")
    source = DemoSource(scale=2000, seed=11)
    source.extract_registry(lake, bench.BENCH_PERIOD)
    for platform in PLATFORMS:
        source.extract_platform(lake, bench.BENCH_PERIOD, platform)
    figures = bench.compare_models(lake, repeats=1)
    assert figures["same_ranking"] is True
    assert set(figures["per_model_seconds"]) >= {"stg_posts", "int_page_metrics", "ranking"}
