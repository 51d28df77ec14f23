"""Per-page sums are exact integers all the way into the lake's Parquet files (issue 7).

DuckDB sums BIGINT as HUGEINT, and Parquet stores HUGEINT as DOUBLE: a page's views then
lost their exact value above 2^53, and a sum beyond BIGINT only failed when publication
cast it back (DOUBLE -> INT64). The sums must be BIGINT in the model and in its file.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
from gospublic_rating import models
from gospublic_rating.lake import RunLake

from .builder import org, page, post, stats

SUMS = ("views_total", "likes_total", "comments_total", "reposts_total", "interactions_total")


def test_page_sums_stay_exact_bigint_through_parquet(build, tmp_path):
    big = 2**60  # far above any plausible count (the raw stage stops it), exact in BIGINT, not in DOUBLE
    rating = build(
        organizations=[org("01-a", "01")],
        pages=[page("vk:1", "01-a")],
        page_stats=[stats("vk:1")],
        posts=[
            post("vk:1", "1", views=big, likes=big, comments=big, reposts=big),
            post("vk:1", "2", views=3, likes=5, comments=7, reposts=9),
        ],
    )
    models.export_layer(rating.con, RunLake(tmp_path / "run"), "intermediate")
    metrics = pq.read_table(tmp_path / "run" / "intermediate" / "int_page_metrics.parquet")
    assert {name: metrics.schema.field(name).type for name in SUMS} == dict.fromkeys(SUMS, pa.int64())
    (row,) = metrics.select(SUMS).to_pylist()
    # 2^60 + 3 is not a DOUBLE: as one it would read back as 2^60
    assert row == {
        "views_total": big + 3,
        "likes_total": big + 5,
        "comments_total": big + 7,
        "reposts_total": big + 9,
        "interactions_total": 3 * big + 5 + 7 + 9,
    }
