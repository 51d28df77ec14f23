"""VK extractor against a fake VK on loopback: wire format, errors, paging, statuses, call counts."""

from __future__ import annotations

import gzip
import json
import math
from datetime import UTC, datetime

import pytest
from fakes.clock import VirtualClock
from fakes.vk_server import FakeVk
from gospublic_rating.extract.http import ApiAccount, ApiError, AuthError, ThrottledError, TransientError
from gospublic_rating.extract.landing import Landing, LandingBatch
from gospublic_rating.period import Period
from gospublic_rating.platforms.vk.api import (
    API_VERSION,
    DEFAULT_HOST,
    DEFAULT_RATE,
    VkApi,
    VkError,
    VkPageError,
    execute_outcomes,
    wall_calls,
    wall_script,
)
from gospublic_rating.platforms.vk.parser import parse
from gospublic_rating.platforms.vk.planner import VkExtractor

TOKEN = "vk1.a.SECRET-token-4242"
PERIOD = Period(2026, 10)
START = int(PERIOD.start_utc.timestamp())  # 2026-10-01 00:00 Moscow
END = int(PERIOD.end_utc.timestamp())  # 2026-11-01 00:00 Moscow
HOUR, DAY = 3600, 86400
STATS_COLUMNS = {"page_id", "platform", "period", "observed_at", "status", "followers", "platform_gov_mark"}
POSTS_COLUMNS = {"page_id", "platform", "post_id", "published_at", "views", "likes", "comments", "reposts"}


def spread(n: int, first: int, last: int, id0: int) -> list[dict]:
    """n posts evenly dated from first to last, ids from id0, with distinct counts."""
    step = (last - first) / max(n - 1, 1)
    return [
        {
            "id": id0 + i,
            "date": int(first + i * step),
            "views": 100 + i,
            "likes": i % 7,
            "comments": i % 3,
            "reposts": i % 2,
        }
        for i in range(n)
    ]


def in_period(n: int, id0: int = 1) -> list[dict]:
    return spread(n, START + HOUR, END - HOUR, id0)


def make_api(server: FakeVk, **kwargs) -> VkApi:
    settings = {"rate": 500.0, "backoff_base": 0.01, "backoff_cap": 0.05, "timeout": 5.0}
    settings.update(kwargs)
    return VkApi(ApiAccount(server.url + "/method", TOKEN), **settings)


def run(server: FakeVk, pages: list[tuple[str, str]], *, prefetch: bool = True, **api_kwargs) -> LandingBatch:
    batch = LandingBatch("vk", 1, str(PERIOD), pages)
    VkExtractor(make_api(server, **api_kwargs), prefetch=prefetch).fetch(batch, pages, PERIOD)
    return batch


def pages_of(*ids) -> list[tuple[str, str]]:
    return [(f"vk:{i}", str(i)) for i in ids]


def by_page(rows: list[dict]) -> dict[str, dict]:
    return {row["page_id"]: row for row in rows}


def expected_posts(page_id: str, posts: list[dict]) -> list[dict]:
    return [
        {
            "page_id": page_id,
            "platform": "vk",
            "post_id": str(p["id"]),
            "published_at": datetime.fromtimestamp(p["date"], UTC),
            "views": p.get("views", 0),
            "likes": p.get("likes", 0),
            "comments": p.get("comments", 0),
            "reposts": p.get("reposts", 0),
        }
        for p in posts
        if START <= p["date"] < END
    ]


def sort_posts(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["page_id"], r["post_id"]))


# -- the client: errors, retries, pacing, secrets


@pytest.mark.parametrize(
    ("code", "exception"),
    [(6, ThrottledError), (9, ThrottledError), (29, ThrottledError), (5, AuthError), (27, AuthError), (28, AuthError)]
    + [(1, TransientError), (10, TransientError), (13, VkError), (8, VkError)]
    + [(c, VkPageError) for c in (15, 18, 19, 30, 100, 203)],
)
def test_check_maps_vk_error_codes(code, exception):
    api = VkApi(ApiAccount("http://127.0.0.1:9/method", TOKEN))
    body = {"error": {"error_code": code, "error_msg": f"failed for {TOKEN}", "request_params": []}}
    with pytest.raises(exception) as caught:
        api.check(body, "groups.getById")
    assert type(caught.value) is exception and isinstance(caught.value, ApiError)
    assert TOKEN not in str(caught.value)
    assert api.check({"response": []}, "execute") == {"response": []}


def test_page_error_statuses_and_inner_auth_error():
    api = VkApi(ApiAccount("http://127.0.0.1:9/method", TOKEN))
    statuses = {}
    for code in (15, 18, 19, 30, 100, 203):
        with pytest.raises(VkPageError) as caught:
            api.check({"error": {"error_code": code, "error_msg": "x"}}, "groups.getById")
        statuses[code] = caught.value.status
    assert statuses == {15: "private", 18: "deleted", 19: "banned", 30: "private", 100: "not_found", 203: "private"}
    inner = {"response": [False], "execute_errors": [{"method": "wall.get", "error_code": 5, "error_msg": TOKEN}]}
    with pytest.raises(AuthError) as caught:
        api.check(inner, "execute")
    assert TOKEN not in str(caught.value)


def test_api_defaults_and_connection(monkeypatch):
    api = VkApi(ApiAccount(DEFAULT_HOST, TOKEN))
    assert api.pacer.interval == pytest.approx(1 / DEFAULT_RATE)
    sent = api.authenticate({"group_ids": "1"})
    assert sent == {"group_ids": "1", "access_token": TOKEN, "v": API_VERSION}
    assert TOKEN not in repr(api.account)
    monkeypatch.setenv(
        "AIRFLOW_CONN_VK_API", json.dumps({"conn_type": "http", "password": TOKEN, "extra": {"rate": 7}})
    )
    api = VkApi.from_connection()
    assert api.account.base_url == DEFAULT_HOST
    assert api.account.token == TOKEN
    assert api.pacer.interval == pytest.approx(1 / 7)
    conn = {"conn_type": "http", "schema": "http", "host": "127.0.0.1", "port": 8080, "password": TOKEN}
    monkeypatch.setenv("AIRFLOW_CONN_VK_API", json.dumps(conn))
    assert VkApi.from_connection().account.base_url == "http://127.0.0.1:8080/method"


@pytest.mark.parametrize("fault", ["auth", "auth27", "auth28"])
def test_auth_error_fails_fast_with_a_clear_message_and_no_token(fault):
    with FakeVk({1: {"members_count": 5}}, faults=[fault]) as server, pytest.raises(AuthError) as caught:
        run(server, pages_of(1))
    message = str(caught.value)
    assert len(server.requests) == 1  # no retry
    assert TOKEN not in message
    assert "vk_api" in message and "token" in message


def test_wrong_token_is_refused_at_once():
    with FakeVk({1: {"members_count": 5}}, token="the-right-one") as server, pytest.raises(AuthError) as caught:
        run(server, pages_of(1))
    assert len(server.requests) == 1
    assert TOKEN not in str(caught.value)


def test_throttling_is_retried_with_paced_backoff_then_succeeds():
    groups = {1: {"members_count": 5, "posts": in_period(3)}}
    clock = VirtualClock()  # the server stamps each request with the time the client's pacer let it go
    with FakeVk(groups, faults=["throttle", "rate", "flood", None, "throttle"], clock=clock) as server:
        batch = run(server, pages_of(1), rate=50, clock=clock, sleep=clock.sleep)
    assert server.answers == ["6", "29", "9", "ok", "6", "ok"]
    # Virtual time: the clock moves only when the client sleeps, so this counts the pacer's waits.
    virtual_times = [r["at"] for r in server.requests]
    virtual_gaps = [b - a for a, b in zip(virtual_times, virtual_times[1:], strict=False)]
    assert min(virtual_gaps) >= 1 / 50 - 1e-9  # never faster than the configured rate, retries included
    stats, posts = parse(batch.records)
    assert stats[0]["status"] == "active" and len(posts) == 3
    assert [r["method"] for r in batch.records[1:]] == ["groups.getById", "execute"]  # failures are not archived


@pytest.mark.parametrize("fault", ["500", "malformed"])
def test_server_errors_and_malformed_json_are_retried(fault):
    groups = {1: {"members_count": 5, "posts": in_period(2)}}
    with FakeVk(groups, faults=[fault, fault]) as server:
        batch = run(server, pages_of(1))
    assert len(server.requests) == 4  # two failures, then getById and execute
    assert len(parse(batch.records)[1]) == 2


def test_timeouts_are_retried():
    groups = {1: {"members_count": 5, "posts": in_period(2)}}
    # the server keeps the first two requests unanswered until the client has given up on them
    with FakeVk(groups, faults=["slow", "slow"]) as server:
        batch = run(server, pages_of(1), timeout=0.3)
        assert server.requests[2]["path"] == "/method/groups.getById"
    assert server.answers.count("slow") == 2
    stats, posts = parse(batch.records)
    assert [s["status"] for s in stats] == ["active"] and len(posts) == 2


def test_gives_up_after_max_attempts():
    with FakeVk({1: {}}, faults=["500"] * 10) as server, pytest.raises(TransientError, match="gave up after 3"):
        run(server, pages_of(1), max_attempts=3)
    assert len(server.requests) == 3


def test_requests_keep_to_the_rate_limit():
    groups = {gid: {"members_count": gid, "posts": in_period(2, gid * 10)} for gid in range(1, 61)}
    pages = pages_of(*groups)
    clock = VirtualClock()  # the client's and the server's time: the same, however slow the machine
    with FakeVk(groups, rate_limit=20, clock=clock) as server:
        paced = run(server, pages, rate=20, clock=clock, sleep=clock.sleep)
    assert "6" not in server.answers  # 1 getById + 3 executes, all within 20/s
    with FakeVk(groups, rate_limit=20, clock=clock) as server:
        hasty = run(
            server, pages, rate=400, max_attempts=12, backoff_base=0.05, backoff_cap=0.2, clock=clock, sleep=clock.sleep
        )
    assert "6" in server.answers  # too fast: VK says so, the client backs off and gets there
    assert [r["status"] for r in parse(hasty.records)[0]] == [r["status"] for r in parse(paced.records)[0]]
    assert sort_posts(parse(hasty.records)[1]) == sort_posts(parse(paced.records)[1])


def test_token_never_reaches_the_landing_archive(tmp_path):
    # the fake echoes every parameter, token included, in request_params of its errors
    groups = {1: {"members_count": 5, "posts": in_period(2)}, 2: {"wall_error": 15}}
    pages = pages_of(1, 2, 777, 778)
    with FakeVk(groups, faults=["throttle"]) as server:
        batch = run(server, [("vk:x", "999"), *pages])
        lone = run(server, [("vk:y", "555")])  # a lone unknown id: an error answer is archived
    assert any("error" in r.get("response", {}) for r in lone.records[1:])
    for records in (batch.records, lone.records):
        assert TOKEN not in json.dumps(records, ensure_ascii=False)
    landing = Landing(tmp_path, "vk")
    path = landing.write(1, lone)
    assert TOKEN.encode() not in gzip.decompress(path.read_bytes())


# -- paging and the period


def test_paging_past_100_posts_stops_at_the_period_start():
    pinned_old = {"id": 1, "date": START - 400 * DAY, "is_pinned": 1, "likes": 50, "views": 900}
    posts = (
        [pinned_old]
        + spread(30, END + HOUR, END + 5 * DAY, 1000)  # after the period
        + in_period(250, 2000)
        + spread(50, START - 20 * DAY, START - 1, 5000)  # before it
    )
    groups = {7: {"members_count": 1234, "is_government_organization": True, "posts": posts}}
    with FakeVk(groups) as server:
        batch = run(server, pages_of(7))
    assert sorted(server.wall_gets) == [(7, 0), (7, 100), (7, 200)]  # not 300: offset 200 reaches September
    assert server.calls("execute") == 2  # 0, then 100 with 200 foreseen from the posting rate
    stats, rows = parse(batch.records)
    assert stats[0]["status"] == "active" and stats[0]["followers"] == 1234 and stats[0]["platform_gov_mark"] is True
    assert sort_posts(rows) == sort_posts(expected_posts("vk:7", posts))
    assert len(rows) == 250

    with FakeVk(groups) as server:
        batch = run(server, pages_of(7), prefetch=False)
    assert server.wall_gets == [(7, 0), (7, 100), (7, 200)]
    assert server.calls("execute") == 3
    assert len(parse(batch.records)[1]) == 250


def test_a_pinned_old_post_does_not_stop_paging():
    posts = [{"id": 1, "date": START - 100 * DAY, "is_pinned": 1}] + in_period(150, 10)
    with FakeVk({3: {"members_count": 1, "posts": posts}}) as server:
        batch = run(server, pages_of(3))
    assert sorted(server.wall_gets) == [(3, 0), (3, 100)]
    assert len(parse(batch.records)[1]) == 150


def test_period_filter_at_moscow_boundaries():
    assert datetime.fromtimestamp(START, UTC) == datetime(2026, 9, 30, 21, tzinfo=UTC)
    assert datetime.fromtimestamp(END, UTC) == datetime(2026, 10, 31, 21, tzinfo=UTC)
    posts = [
        {"id": 1, "date": END, "likes": 1},  # 2026-11-01 00:00 Moscow: next period
        {"id": 2, "date": END - 1, "likes": 2},  # 23:59:59 on 31 October: in
        {"id": 3, "date": START, "likes": 3},  # 00:00 on 1 October: in
        {"id": 4, "date": START - 1, "likes": 4},  # 30 September 23:59:59: out
    ]
    with FakeVk({5: {"members_count": 9, "posts": posts}}) as server:
        batch = run(server, pages_of(5))
    rows = parse(batch.records)[1]
    assert {r["post_id"]: r["published_at"] for r in rows} == {
        "2": datetime(2026, 10, 31, 20, 59, 59, tzinfo=UTC),
        "3": datetime(2026, 9, 30, 21, 0, 0, tzinfo=UTC),
    }
    assert rows[0]["views"] == 0  # no views field: 0


# -- statuses


def test_partial_execute_failure_gives_that_page_its_status_and_the_others_go_on():
    groups = {
        1: {"members_count": 10, "posts": in_period(4, 100)},
        2: {"members_count": 20, "wall_error": 15, "posts": in_period(3)},
        3: {"members_count": 30, "wall_error": 19},
        4: {"members_count": 40, "wall_error": 18},
        5: {"members_count": 50, "wall_error": 100},
        6: {"members_count": 60, "wall_error": 203},
        7: {"members_count": 70, "wall_error": 30},
        8: {"members_count": 80, "posts": in_period(2, 200)},
    }
    with FakeVk(groups) as server:
        batch = run(server, pages_of(*groups))
    assert server.calls("execute") == 1
    execute = batch.records[-1]["response"]
    assert execute["response"].count(False) == 6 and len(execute["execute_errors"]) == 7
    stats, rows = parse(batch.records)
    status = {r["page_id"]: r["status"] for r in stats}
    assert status == {
        "vk:1": "active",
        "vk:2": "private",
        "vk:3": "banned",
        "vk:4": "deleted",
        "vk:5": "not_found",
        "vk:6": "private",
        "vk:7": "private",
        "vk:8": "active",
    }
    assert {r["page_id"]: r["followers"] for r in stats if r["followers"] is not None} == {"vk:1": 10, "vk:8": 80}
    assert sorted({r["page_id"] for r in rows}) == ["vk:1", "vk:8"] and len(rows) == 6


def test_statuses_from_groups_get_by_id():
    groups = {
        10: {
            "members_count": 100,
            "screen_name": "mintrud59",
            "is_government_organization": True,
            "posts": in_period(2),
        },
        11: {"members_count": 5, "deactivated": "deleted"},
        12: {"members_count": 5, "deactivated": "banned"},
        13: {"members_count": 5, "is_closed": 1},
        14: {"members_count": 7, "is_closed": 2, "is_member": 1, "posts": in_period(1, 50)},
        15: {"members_count": 0, "is_government_organization": False},
    }
    pages = [
        ("vk:10", "10"),
        ("vk:mintrud", "MinTrud59"),  # the same community by screen name
        ("vk:club10", "club10"),
        ("vk:11", "11"),
        ("vk:12", "12"),
        ("vk:13", "13"),
        ("vk:14", "public14"),
        ("vk:15", "15"),
        ("vk:404", "404"),  # no such community
        ("vk:bad", "not a page, id"),  # cannot be an id: never sent
    ]
    with FakeVk(groups) as server:
        batch = run(server, pages)
    assert server.calls("groups.getById") == 1
    assert "not a page" not in server.requests[0]["params"]["group_ids"]
    assert sorted(server.wall_gets) == [(10, 0), (14, 0), (15, 0)]  # inactive pages need no wall.get
    stats, rows = parse(batch.records)
    got = {r["page_id"]: (r["status"], r["followers"], r["platform_gov_mark"]) for r in stats}
    assert got == {
        "vk:10": ("active", 100, True),
        "vk:mintrud": ("active", 100, True),
        "vk:club10": ("active", 100, True),
        "vk:11": ("deleted", None, None),
        "vk:12": ("banned", None, None),
        "vk:13": ("private", None, None),
        "vk:14": ("active", 7, None),
        "vk:15": ("active", 0, False),
        "vk:404": ("not_found", None, None),
        "vk:bad": ("not_found", None, None),
    }
    assert sorted(r["page_id"] for r in rows) == ["vk:10"] * 2 + ["vk:14"] + ["vk:club10"] * 2 + ["vk:mintrud"] * 2


def test_a_batch_that_fails_as_a_whole_is_split_to_find_the_bad_ids():
    groups = {1: {"members_count": 1}}
    with FakeVk(groups) as server:
        batch = run(server, pages_of(901, 902, 903, 904))  # none exists: VK answers error 100
    stats, _ = parse(batch.records)
    assert {r["status"] for r in stats} == {"not_found"}
    assert server.calls("groups.getById") == 7  # 4 → 2 + 2 → 1 + 1 + 1 + 1
    assert server.calls("execute") == 0


def test_inner_throttling_rides_along_in_the_next_execute():
    groups = {gid: {"members_count": gid, "posts": in_period(3, gid * 10)} for gid in (1, 2, 3)}
    with FakeVk(groups, wall_faults={2: [9, 29]}) as server:
        batch = run(server, pages_of(1, 2, 3))
    assert server.calls("execute") == 3
    assert server.wall_gets == [(1, 0), (2, 0), (3, 0), (2, 0), (2, 0)]
    stats, rows = parse(batch.records)  # the failed answers are archived, and superseded
    assert [r["status"] for r in stats] == ["active"] * 3
    assert sort_posts(rows) == sort_posts([p for g in (1, 2, 3) for p in expected_posts(f"vk:{g}", groups[g]["posts"])])


def test_an_inner_failure_that_persists_fails_the_batch():
    with (
        FakeVk({1: {"members_count": 1}}, wall_faults={1: [10] * 9}) as server,
        pytest.raises(TransientError) as caught,
    ):
        run(server, pages_of(1), max_attempts=3)
    assert "gave up after 3 attempts" in str(caught.value) and "error 10" in str(caught.value)
    assert server.calls("execute") == 3


def test_an_answer_too_big_is_fetched_again_in_smaller_executes():
    groups = {gid: {"members_count": 1, "posts": in_period(100, gid * 1000)} for gid in (1, 2, 3, 4)}
    with FakeVk(groups, max_execute_posts=250) as server:
        batch = run(server, pages_of(1, 2, 3, 4))
    assert server.answers == ["ok", "13", "ok", "ok"]
    assert len(parse(batch.records)[1]) == 400


def test_execute_errors_are_matched_to_their_calls():
    calls = [(1, 0), (2, 0), (3, 200)]
    ok = {"count": 0, "items": []}

    def entry(code, owner=None, offset=None):
        out = {"method": "wall.get", "error_code": code, "error_msg": "x"}
        if owner is not None:
            out["request_params"] = [{"key": "owner_id", "value": str(owner)}, {"key": "offset", "value": str(offset)}]
        return out

    in_order = {
        "response": [False, ok, False],
        "execute_errors": [entry(15), entry(19), {**entry(19), "method": "execute"}],
    }
    assert [e and e["error_code"] for _, e in execute_outcomes(calls, in_order)] == [15, None, 19]
    by_params = {"response": [False, ok, False], "execute_errors": [entry(19, -3, 200), entry(15, -1, 0)]}
    assert [e and e["error_code"] for _, e in execute_outcomes(calls, by_params)] == [15, None, 19]
    unexplained = {"response": [False, ok, ok]}
    assert execute_outcomes(calls, unexplained)[0] == (None, {"error_code": None})
    assert execute_outcomes(calls, {"response": None}) == [(None, {"error_code": None})] * 3


# -- parse from records alone, and the minimum number of calls


def test_parse_rebuilds_the_rows_from_the_landing_file_alone(tmp_path):
    groups = {
        21: {"members_count": 210, "is_government_organization": True, "posts": in_period(120, 1)},
        22: {"members_count": 220, "posts": in_period(5, 500) + spread(3, START - 9 * DAY, START - DAY, 600)},
        23: {"members_count": 230, "deactivated": "banned"},
        24: {"members_count": 240, "wall_error": 203},
        25: {"members_count": 250, "is_government_organization": False},
    }
    pages = pages_of(21, 22, 23, 24, 25, 26)
    with FakeVk(groups, faults=[None, "throttle"]) as server:
        batch = run(server, pages)
    landing = Landing(tmp_path, "vk")
    records = list(Landing.read(landing.write(1, batch)))
    stats, rows = parse(records)
    assert all(set(r) == STATS_COLUMNS for r in stats) and all(set(r) == POSTS_COLUMNS for r in rows)
    get_by_id = next(r for r in records if r.get("method") == "groups.getById")
    observed = datetime.fromisoformat(get_by_id["received_at"])
    assert [{k: r[k] for k in ("page_id", "status", "followers", "platform_gov_mark")} for r in stats] == [
        {"page_id": "vk:21", "status": "active", "followers": 210, "platform_gov_mark": True},
        {"page_id": "vk:22", "status": "active", "followers": 220, "platform_gov_mark": None},
        {"page_id": "vk:23", "status": "banned", "followers": None, "platform_gov_mark": None},
        {"page_id": "vk:24", "status": "private", "followers": None, "platform_gov_mark": None},
        {"page_id": "vk:25", "status": "active", "followers": 250, "platform_gov_mark": False},
        {"page_id": "vk:26", "status": "not_found", "followers": None, "platform_gov_mark": None},
    ]
    assert {r["period"] for r in stats} == {"2026-10"} and {r["platform"] for r in stats} == {"vk"}
    assert {r["observed_at"] for r in stats} == {observed}
    expected = expected_posts("vk:21", groups[21]["posts"]) + expected_posts("vk:22", groups[22]["posts"])
    assert sort_posts(rows) == sort_posts(expected)
    assert parse(batch.records) == (stats, rows)  # the same from memory and from the file


def test_call_count_is_the_minimum_for_600_pages():
    groups = {}
    for gid in range(1, 601):
        if gid in (3, 4):  # two deep walls: 250 posts in the period, then older ones
            posts = in_period(250, gid * 1000) + spread(20, START - 30 * DAY, START - DAY, gid * 1000 + 500)
        else:
            posts = in_period(gid % 5, gid * 1000) + spread(1, START - DAY, START - DAY, gid * 1000 + 900)
        groups[gid] = {"members_count": gid, "posts": posts}
        if gid % 50 == 0:
            groups[gid] = {"members_count": gid, "deactivated": "deleted"}
    pages = pages_of(*range(1, 601))
    active = [gid for gid, g in groups.items() if not g.get("deactivated")]
    needed = len(active) + 2 * 2  # one wall.get each, two more for each deep wall
    with FakeVk(groups) as server:
        batch = run(server, pages)
    assert server.calls("groups.getById") == math.ceil(600 / 500) == 2
    assert len(server.wall_gets) == needed == len(set(server.wall_gets))
    assert server.calls("execute") == math.ceil(needed / 25)
    assert {gid for gid, _ in server.wall_gets} == set(active)
    stats, rows = parse(batch.records)
    assert len(stats) == 600 and sum(r["status"] == "active" for r in stats) == len(active)
    assert len(rows) == sum(len(expected_posts("", groups[g]["posts"])) for g in active)


def test_wall_get_asks_for_the_owners_posts_only():
    code = wall_script([(5, 0), (7, 100)])
    assert code.count('"filter":"owner"') == 2  # visitors' posts on an open wall are not the page's posts


def test_wall_script_round_trips():
    calls = [(1, 0), (22, 100), (333, 2500)]
    code = wall_script(calls)
    assert code.startswith("return [API.wall.get(") and code.endswith("];")
    assert '{"owner_id":-22,"count":100,"offset":100,"filter":"owner"}' in code
    assert wall_calls(code) == calls
