"""The platform registry: one record per platform, and everything that lists platforms reads it."""

from __future__ import annotations

import gzip
import importlib
import json
import re
from pathlib import Path

import pytest
from gospublic_rating import platforms
from gospublic_rating.contract import ContractError
from gospublic_rating.extract.counters import counter, to_int
from gospublic_rating.extract.landing import Landing, MalformedLanding

ROOT = Path(__file__).resolve().parents[3]


def test_every_platform_package_provides_the_plugin_protocol():
    for record in platforms.PLATFORMS.values():
        modules = {
            "": record.plugin(),
            ".planner": importlib.import_module(f"gospublic_rating.platforms.{record.name}.planner"),
            ".parser": importlib.import_module(f"gospublic_rating.platforms.{record.name}.parser"),
        }
        wanted = (("", "page_from_url"), ("", "page_from_id"), (".planner", "make_extractor"), (".parser", "parse"))
        for module, name in wanted:
            assert callable(getattr(modules[module], name, None)), f"platforms/{record.name}{module} lacks {name}"
        assert (ROOT / "tests" / "fakes" / f"{record.name}_server.py").exists(), f"no fake server for {record.name}"


def test_the_dag_the_pools_and_the_cli_derive_from_the_registry():
    from gospublic_rating import local_airflow
    from gospublic_rating.cli import build_parser

    settings_file = json.loads(local_airflow.SETTINGS_FILE.read_text(encoding="utf-8"))
    assert set(settings_file["pools"]) == {p.pool for p in platforms.PLATFORMS.values()}
    dag_text = (ROOT / "dags" / "gospublic_rating.py").read_text(encoding="utf-8")
    assert "PLATFORM_POOLS = pools()" in dag_text
    parser = build_parser()
    args = parser.parse_args(["rebuild-raw", "x", *[a for n in platforms.NAMES for a in ("--platform", n)]])
    assert args.platform == list(platforms.NAMES)


def test_the_demo_models_only_platforms_of_the_registry():
    from gospublic_rating.sources import demo

    # the demo keeps its own order (its random streams follow it), but no platform of its own
    assert set(demo.PLATFORMS) <= set(platforms.NAMES)


def test_docs_show_the_registry_as_it_is():
    text = (ROOT / "docs" / "platforms.md").read_text(encoding="utf-8")
    assert platforms.markdown_table() in text, "docs/platforms.md: paste platforms.markdown_table() again"
    deployment = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    for record in platforms.PLATFORMS.values():
        assert record.conn_id in deployment, f"docs/deployment.md does not mention {record.conn_id}"


def test_the_intake_reads_every_host_of_the_registry():
    from gospublic_rating.platforms.urls import normalise_page_url

    for record in platforms.PLATFORMS.values():
        for host in record.hosts:
            platform, _ = normalise_page_url(f"https://{host}/{_a_name(record.name)}")
            assert platform == record.name


def _a_name(platform: str) -> str:
    return {"vk": "club123", "ok": "group/123"}.get(platform, "some_name")


@pytest.mark.parametrize("name", platforms.NAMES)
def test_a_malformed_landing_batch_is_one_error_for_every_platform(name, tmp_path):
    parse = platforms.get(name).parse
    with pytest.raises(MalformedLanding, match=f"{name} landing batch"):
        parse(iter([{"kind": "call", "method": "x"}]))
    with pytest.raises(MalformedLanding, match="no readable period"):
        parse(iter([{"kind": "batch", "platform": name, "batch": 0, "period": "2026-13", "pages": []}]))
    assert issubclass(MalformedLanding, ContractError)  # not retried: the file must be fixed or re-extracted
    path = tmp_path / "batch-00000.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"kind": "batch", "platform": name, "batch": 0, "period": "2026-10", "pages": []}))
    assert parse(Landing.read(path)) == ([], [])


def test_unknown_platform_is_named():
    with pytest.raises(ValueError, match=re.escape("unknown platform 'myspace'")):
        platforms.get("myspace")


@pytest.mark.parametrize(
    ("value", "expected"), [(None, None), (True, None), ("12", 12), (7.9, 7), ("x", None), ({}, None), (-3, -3)]
)
def test_one_int_helper(value, expected):
    assert to_int(value) == expected


@pytest.mark.parametrize(("value", "expected"), [(None, 0), (False, 0), ({"count": 4}, 4), ([1, 2], 3), (-5, 0)])
def test_counter_reads_counts_as_non_negative(value, expected):
    assert counter(value) == expected


def test_default_rates_keep_a_margin_below_documented_limits():
    documented = [p for p in platforms.PLATFORMS.values() if p.rate_limit]
    assert {p.name for p in documented} >= {"vk", "max"}
    for p in documented:
        assert p.default_rate <= platforms.RATE_MARGIN * p.rate_limit + 1e-9, p.name
    assert platforms.get("vk").default_rate == pytest.approx(2.7)  # 90% of VK's 3 requests/s


@pytest.mark.parametrize("name", platforms.NAMES)
def test_every_platform_honours_the_rate_of_its_connection(name, monkeypatch):
    record = platforms.get(name)
    extra = {"application_key": "K", "application_secret_key": "S"} if name == "ok" else {}
    connection = {"conn_type": "http", "host": "http://127.0.0.1:9", "password": "t", "extra": {**extra, "rate": "0.5"}}
    monkeypatch.setenv(f"AIRFLOW_CONN_{record.conn_id.upper()}", json.dumps(connection))
    extractor = record.make_extractor()
    assert extractor.api.pacer.interval == pytest.approx(2.0)  # 0.5 requests/s
    monkeypatch.setenv(f"AIRFLOW_CONN_{record.conn_id.upper()}", json.dumps({**connection, "extra": extra}))
    assert record.make_extractor().api.pacer.interval == pytest.approx(1 / record.default_rate)
