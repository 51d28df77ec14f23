"""The live source end to end, against local servers that speak the VK, OK and TGStat wire
formats: registry intake → extraction in batches → landing archive → raw Parquet → the
rest of the pipeline. Also: a task killed mid-extraction and retried loses nothing and
duplicates nothing, and the raw Parquet can be rebuilt from the landing archive alone."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from fakes.ok_server import FakeGroup, FakeOk, topic
from fakes.telegram_server import FakeTgstat, post
from fakes.vk_server import FakeVk
from gospublic_rating import pipeline, platforms
from gospublic_rating.extract.http import TransientError
from gospublic_rating.lake import warehouse_path
from gospublic_rating.period import Period
from gospublic_rating.pipeline import RunSpec

OCTOBER = Period(2026, 10)
START = int(OCTOBER.start_utc.timestamp())
REGIONS = ("59", "77", "01")
ORGS_PER_REGION = 6
TOKENS = {"vk": "vk-SECRET-token", "ok": "ok-SECRET-token", "tgstat": "tg-SECRET-token"}
OK_SECRET = "ok-app-SECRET"


def _orgs():
    for region in REGIONS:
        for n in range(ORGS_PER_REGION):
            yield f"10{region}{n:09d}", region, n


@pytest.fixture
def registry_dir(tmp_path) -> Path:
    folder = tmp_path / "registry"
    folder.mkdir()
    orgs = ["ОГРН;Код региона;Наименование;Тип;Администратор обучен"]
    pages = ["ОГРН;Ссылка;Отметка Госорганизация;Подключена к ПОС"]
    for org_id, region, n in _orgs():
        orgs.append(f"{org_id};{region};Учреждение {n};подведомственное учреждение;{'да' if n % 2 else 'нет'}")
        pages.append(f"{org_id};https://vk.com/club{_vk_id(org_id)};да;да")
        pages.append(f"{org_id};https://ok.ru/group/{_ok_id(org_id)};нет;да")
        if n % 2 == 0:
            pages.append(f"{org_id};https://t.me/{_tg_name(org_id)};нет;нет")
    pages.append("1999000000000;https://vk.com/club1;да;да")  # an unknown organisation: quarantined
    (folder / "organizations.csv").write_text("\n".join(orgs) + "\n", encoding="utf-8")
    (folder / "pages.csv").write_text("\n".join(pages) + "\n", encoding="cp1251")
    return folder


def _vk_id(org_id: str) -> int:
    return 100_000 + int(org_id[-6:]) + 1000 * int(org_id[2:4])


def _ok_id(org_id: str) -> int:
    return 70_000_000_000_000 + _vk_id(org_id)


def _tg_name(org_id: str) -> str:
    return f"gov{org_id[2:4]}_{org_id[-3:]}"


def _day(n: int) -> int:
    return START + 86_400 * n + 3600


@pytest.fixture
def servers():
    vk_groups, ok_groups, channels = {}, {}, {}
    for org_id, _, n in _orgs():
        posts = 3 + n  # 3..8 posts in the period
        vk_groups[_vk_id(org_id)] = {
            "members_count": 1000 + n,
            "is_government_organization": True,
            "posts": [
                {"id": i + 1, "date": _day(i), "views": 100, "likes": 5, "comments": 2, "reposts": 1}
                for i in range(posts)
            ]
            + [{"id": 999, "date": START - 86_400, "views": 7}],
        }
        ok_groups[str(_ok_id(org_id))] = FakeGroup(
            members=500 + n,
            topics=[topic(f"t{i}", _day(i) * 1000, views=50, likes=3, comments=1, reshares=1) for i in range(posts)],
        )
        if n % 2 == 0:
            channels[_tg_name(org_id)] = {
                "participants_count": 300 + n,
                "posts": [post(i + 1, _day(i), views=80, shares=2, comments=1, reactions=4) for i in range(posts)],
            }
    vk_groups[_vk_id("1059000000005")]["deactivated"] = "deleted"  # one dead VK page
    vk = FakeVk(vk_groups, token=TOKENS["vk"])
    ok = FakeOk(ok_groups, token=TOKENS["ok"], application_secret_key=OK_SECRET)
    tg = FakeTgstat(channels, token=TOKENS["tgstat"])
    with vk, ok, tg:
        yield {"vk": vk, "ok": ok, "tgstat": tg}


@pytest.fixture
def connections(servers, monkeypatch):
    """AIRFLOW_CONN_* pointing at the local servers, as a deployment's connections would."""
    values = {
        "VK_API": {
            "conn_type": "http",
            "host": servers["vk"].url + "/method",
            "password": TOKENS["vk"],
            "extra": {"rate": 200},
        },
        "OK_API": {
            "conn_type": "http",
            "host": servers["ok"].url,
            "password": TOKENS["ok"],
            "extra": {"application_key": "APPKEY", "application_secret_key": OK_SECRET, "rate": 200},
        },
        "TGSTAT_API": {
            "conn_type": "http",
            "host": servers["tgstat"].url,
            "password": TOKENS["tgstat"],
            "extra": {"rate": 200},
        },
    }
    for name, value in values.items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{name}", json.dumps(value))
    return values


def _spec(registry_dir: Path, run_id: str = "live-run", methodology: str = "v1") -> RunSpec:
    from conftest import NOW

    # v1 by default: VK, OK and Telegram, the platforms these fakes serve (MAX has its own tests)
    return RunSpec.resolve(
        period=str(OCTOBER),
        run_after=NOW,
        dag_run_id=run_id,
        source="live",
        registry_dir=str(registry_dir),
        methodology=methodology,
    )


def _extract_everything(spec: RunSpec) -> dict[str, list[dict]]:
    pipeline.extract_registry(spec)
    results = {}
    for platform in spec.methodology.platforms:
        results[platform] = [pipeline.extract_batch(spec, platform, b) for b in pipeline.plan_batches(spec, platform)]
        pipeline.finish_platform(spec, platform)
    return results


def test_live_month_is_rated_and_published(registry_dir, connections, servers, caplog, capfd, monkeypatch):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr("gospublic_rating.extract.http.JsonApi.backoff", lambda self, attempt: 0.0)
    for server in servers.values():
        server.echo_pages(2)  # a proxy's error page, 200 and HTML, echoing the request with its token
    spec = _spec(registry_dir)
    _extract_everything(spec)
    for stage in ("raw", "staging", "intermediate", "marts"):
        if stage != "raw":
            pipeline.build_layer(spec, stage)
        pipeline.validate(spec, stage)
    published = pipeline.publish_snapshot(spec)

    quarantine = pq.read_table(spec.lake.layer("raw") / "quarantine.parquet").to_pylist()
    assert [row["reason"] for row in quarantine] == ["page of an unknown organisation"]
    stats = pq.read_table(spec.lake.layer("raw") / "page_stats")
    assert stats.num_rows == 18 + 18 + 9
    deleted = stats.filter(pc.equal(stats.column("status"), "deleted")).column("page_id").to_pylist()
    assert deleted == [f"vk:{_vk_id('1059000000005')}"]
    posts = pq.read_table(spec.lake.layer("raw") / "posts")
    # posts in the period: per org 3 + n on VK (none for the deleted page) and OK, on Telegram for even n
    per_org = [3 + n for _, _, n in _orgs()]
    expected = 2 * sum(per_org) - (3 + 5) + sum(p for (_, _, n), p in zip(_orgs(), per_org, strict=True) if n % 2 == 0)
    assert posts.num_rows == expected
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        (source,) = con.execute(
            "select source from snapshot.runs where snapshot_id = ?", [published["snapshot_id"]]
        ).fetchall()[0]
        ranked = con.execute(
            "select count(*) from snapshot.ranking where snapshot_id = ?", [published["snapshot_id"]]
        ).fetchall()[0][0]
    assert source == "live" and ranked == 89

    for path in spec.lake.root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                import gzip

                data = gzip.decompress(data)
            for secret in [*TOKENS.values(), OK_SECRET]:
                assert secret.encode() not in data, f"{secret} leaked into {path}"
    # the log: records, or what Airflow's logging (set up once a connection is looked up) printed
    logged = caplog.text + "".join(capfd.readouterr())
    assert logged.count("malformed JSON ('<pre>") >= 6  # the echoed pages were logged...
    for secret in [*TOKENS.values(), OK_SECRET]:
        assert secret not in logged, f"{secret} leaked into the log"  # ...without a secret


def test_a_killed_extraction_resumes_without_loss_or_duplicates(registry_dir, connections, servers, monkeypatch):
    monkeypatch.setitem(platforms.PLATFORMS, "vk", dataclasses.replace(platforms.PLATFORMS["vk"], batch_size=4))
    spec = _spec(registry_dir)
    pipeline.extract_registry(spec)
    batches = pipeline.plan_batches(spec, "vk")
    assert batches == [0, 1, 2, 3, 4]  # 18 VK pages in batches of 4

    pipeline.extract_batch(spec, "vk", 0)
    pipeline.extract_batch(spec, "vk", 1)
    servers["vk"].faults = ["500"] * 50  # the API goes down during batch 2: the task dies
    monkeypatch.setattr("gospublic_rating.extract.http.JsonApi.backoff", lambda self, attempt: 0.0)
    with pytest.raises(TransientError):
        pipeline.extract_batch(spec, "vk", 2)
    with pytest.raises(Exception, match="3 of 5 batches landed|2 of 5 batches landed"):
        pipeline.finish_platform(spec, "vk")

    servers["vk"].faults = []  # the retried task: every batch again
    calls_before = len(servers["vk"].requests)
    results = [pipeline.extract_batch(spec, "vk", b) for b in batches]
    assert [r["skipped"] for r in results] == [1, 1, 0, 0, 0]
    counts = pipeline.finish_platform(spec, "vk")
    assert counts["page_stats"] == 18

    stats = pq.read_table(spec.lake.raw_table("page_stats", "vk"))
    assert pc.count_distinct(stats.column("page_id")).as_py() == stats.num_rows == 18
    posts = pq.read_table(spec.lake.raw_table("posts", "vk"))
    keys = pc.binary_join_element_wise(posts.column("page_id"), posts.column("post_id"), "|")
    assert pc.count_distinct(keys).as_py() == posts.num_rows
    assert posts.num_rows == sum(3 + n for _, _, n in _orgs()) - (3 + 5)
    groups_asked = [r for r in servers["vk"].requests[calls_before:] if r["path"].endswith("groups.getById")]
    assert len(groups_asked) == 3, "only the three unfinished batches call the API again"


def test_raw_parquet_is_rebuilt_from_the_landing_archive_alone(registry_dir, connections, servers):
    spec = _spec(registry_dir)
    _extract_everything(spec)
    before = {
        p: (pq.read_table(spec.lake.raw_table("page_stats", p)), pq.read_table(spec.lake.raw_table("posts", p)))
        for p in spec.methodology.platforms
    }
    calls = sum(len(s.requests) for s in servers.values())
    for platform in spec.methodology.platforms:
        spec.lake.raw_table("page_stats", platform).unlink()
        spec.lake.raw_table("posts", platform).unlink()
    from gospublic_rating.cli import main

    assert main(["rebuild-raw", str(spec.lake.root)]) == 0
    for platform in spec.methodology.platforms:
        stats, posts = before[platform]
        assert pq.read_table(spec.lake.raw_table("page_stats", platform)).equals(stats)
        assert pq.read_table(spec.lake.raw_table("posts", platform)).equals(posts)
    assert sum(len(s.requests) for s in servers.values()) == calls, "no API was called"


def test_live_run_through_airflow(registry_dir, connections, servers, isolated_data_dir):
    if not os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        pytest.fail("needs Airflow's environment: run through `make test`")
    for server in servers.values():
        server.echo_pages(1)  # a proxy's error page echoing the request: retried, and kept out of the log
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gospublic_rating",
            "run-dag",
            "--source",
            "live",
            "--registry-dir",
            str(registry_dir),
            "--period",
            str(OCTOBER),
            "--methodology",
            "v1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "source live" in result.stdout and "DEMO" not in result.stdout
    log = Path(result.stdout.split("full log: ")[1].split()[0]).read_text(encoding="utf-8")
    assert "malformed JSON" in log
    for secret in [*TOKENS.values(), OK_SECRET]:
        assert secret not in log


def test_a_platform_without_pages_is_one_empty_batch_that_needs_no_account(registry_dir, connections, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_MAX_API", raising=False)  # no MAX account configured: not needed
    spec = _spec(registry_dir, methodology="v2")  # v2 rates MAX; this registry has no MAX page
    pipeline.extract_registry(spec)
    assert pipeline.plan_batches(spec, "max") == [0]  # an empty map would skip every task after it
    assert pipeline.extract_batch(spec, "max", 0)["calls"] == 0
    assert pipeline.finish_platform(spec, "max") == {"page_stats": 0, "posts": 0, "calls": 0, "throttled": 0}


def test_throttling_answers_are_counted_per_batch_and_per_run(registry_dir, connections, servers, monkeypatch):
    monkeypatch.setattr("gospublic_rating.extract.http.JsonApi.backoff", lambda self, attempt: 0.0)
    spec = _spec(registry_dir)
    pipeline.extract_registry(spec)
    servers["ok"].faults = ["flood", "limit", "flood"]  # OK throttles the first three requests
    results = [pipeline.extract_batch(spec, "ok", b) for b in pipeline.plan_batches(spec, "ok")]
    assert sum(r["throttled"] for r in results) == 3
    assert sum(r["calls"] for r in results) == len(servers["ok"].requests)
    counts = pipeline.finish_platform(spec, "ok")
    assert counts["throttled"] == 3 and counts["calls"] == len(servers["ok"].requests)
    evidence = json.loads((spec.lake.layer("evidence") / "extract" / "ok.json").read_text())
    assert evidence == {"batches": len(results), "calls": len(servers["ok"].requests), "throttled": 3}
