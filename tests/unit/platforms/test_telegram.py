"""The TGStat extractor against a fake TGStat on loopback: wire format, errors, paging, period, secrets."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from fakes.clock import VirtualClock
from fakes.telegram_server import FakeTgstat, post
from gospublic_rating.extract import http as http_module
from gospublic_rating.extract.http import ApiAccount, AuthError, QuotaError
from gospublic_rating.extract.landing import Landing, LandingBatch
from gospublic_rating.period import MOSCOW, Period
from gospublic_rating.platforms.telegram.api import CONN_ID, DEFAULT_HOST, TgstatApi
from gospublic_rating.platforms.telegram.parser import parse
from gospublic_rating.platforms.telegram.planner import TgstatExtractor

TOKEN = "tgstat-secret-token-7f3a9c"
PERIOD = Period(2026, 10)
START = int(PERIOD.start_utc.timestamp())  # 2026-10-01 00:00 Moscow = 2026-09-30 21:00 UTC
END = int(PERIOD.end_utc.timestamp())  # 2026-11-01 00:00 Moscow = 2026-10-31 21:00 UTC
DAY = 86_400
STATS_COLUMNS = ["page_id", "platform", "period", "observed_at", "status", "followers", "platform_gov_mark"]
POSTS_COLUMNS = ["page_id", "platform", "post_id", "published_at", "views", "likes", "comments", "reposts"]


def page(name: str) -> tuple[str, str]:
    return (f"telegram:{name}", name)


def api_for(server: FakeTgstat, token: str = TOKEN, clock: VirtualClock | None = None) -> TgstatApi:
    timing = {"clock": clock, "sleep": clock.sleep} if clock else {}
    return TgstatApi(ApiAccount(server.url, token), rate=50, backoff_base=0.01, **timing)


def extract(
    server: FakeTgstat,
    pages: list[tuple[str, str]],
    *,
    token: str = TOKEN,
    clock: VirtualClock | None = None,
    **options,
) -> LandingBatch:
    batch = LandingBatch("telegram", 1, str(PERIOD), pages)
    TgstatExtractor(api_for(server, token, clock), **options).fetch(batch, pages, PERIOD)
    return batch


def utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def test_period_bounds_are_moscow_midnights():
    assert utc(START) == datetime(2026, 10, 1, tzinfo=MOSCOW) == datetime(2026, 9, 30, 21, tzinfo=UTC)
    assert utc(END) == datetime(2026, 11, 1, tzinfo=MOSCOW) == datetime(2026, 10, 31, 21, tzinfo=UTC)


def test_channel_info_and_the_posts_of_the_period():
    channels = {
        "minfin59": {
            "participants_count": 1234,
            "posts": [
                post(1, START - 1, views=5),  # 23:59:59 Moscow on 30 September: outside
                post(2, START, views=100, shares=3, comments=2, reactions=7),  # first second of October
                post(3, START + 10 * DAY, views=50, deleted=True),  # deleted from Telegram
                post(4, END - 1, views=40, shares=1, comments=0, reactions=4),  # last second of October
                post(5, END, views=9),  # 00:00 Moscow on 1 November: outside (the fake's endTime is inclusive)
                post(6, END + DAY, views=9),
            ],
        }
    }
    with FakeTgstat(channels, token=TOKEN) as server:
        batch = extract(server, [page("minfin59")])
        stats, posts = parse(batch.records)

        for call in server.calls("channels/posts"):  # no call asks for posts outside the period
            assert int(call["params"]["startTime"]) == START
            assert int(call["params"]["endTime"]) == END
            assert call["params"]["hideDeleted"] == "1"
        assert all(call["params"]["token"] == TOKEN for call in server.requests)  # the token goes as TGStat wants it

    [row] = stats
    assert list(row) == STATS_COLUMNS
    observed = next(r for r in batch.records if r.get("method") == "channels/get")["received_at"]
    assert row == {
        "page_id": "telegram:minfin59",
        "platform": "telegram",
        "period": "2026-10",
        "observed_at": datetime.fromisoformat(observed),
        "status": "active",
        "followers": 1234,
        "platform_gov_mark": None,
    }
    assert row["observed_at"].tzinfo is not None
    assert [list(p) for p in posts] == [POSTS_COLUMNS] * 2
    assert sorted(posts, key=lambda p: p["published_at"]) == [
        {
            "page_id": "telegram:minfin59",
            "platform": "telegram",
            "post_id": "2",
            "published_at": utc(START),
            "views": 100,
            "likes": 7,
            "comments": 2,
            "reposts": 3,
        },
        {
            "page_id": "telegram:minfin59",
            "platform": "telegram",
            "post_id": "4",
            "published_at": utc(END - 1),
            "views": 40,
            "likes": 4,
            "comments": 0,
            "reposts": 1,
        },
    ]


def test_paging_past_one_page_of_posts():
    many = [post(i, START + i * 3_600, views=i) for i in range(1, 121)]
    with FakeTgstat({"gorod": {"participants_count": 10, "posts": many}}, token=TOKEN) as server:
        batch = extract(server, [page("gorod")])
        offsets = [int(c["params"]["offset"]) for c in server.calls("channels/posts")]
        limits = {int(c["params"]["limit"]) for c in server.calls("channels/posts")}
    assert offsets == [0, 50, 100]
    assert limits == {50}
    _, posts = parse(batch.records)
    assert sorted(int(p["post_id"]) for p in posts) == list(range(1, 121))
    assert sum(p["views"] for p in posts) == sum(range(1, 121))


def test_the_time_window_moves_back_past_the_largest_offset():
    many = [post(i, START + i * 600, views=1) for i in range(1, 76)]
    with FakeTgstat({"news": {"participants_count": 10, "posts": many}}, token=TOKEN) as server:
        batch = extract(server, [page("news")], page_limit=10, max_offset=30)
        calls = [(int(c["params"]["offset"]), int(c["params"]["endTime"])) for c in server.calls("channels/posts")]
    assert max(offset for offset, _ in calls) + 10 <= 30
    ends = [end for _, end in calls]
    assert ends[0] == END and ends == sorted(ends, reverse=True) and len(set(ends)) > 1
    _, posts = parse(batch.records)
    assert sorted(int(p["post_id"]) for p in posts) == list(range(1, 76))


def test_throttling_is_retried_then_succeeds():
    with FakeTgstat({"minfin59": {"participants_count": 7}}, token=TOKEN) as server:
        server.inject("flood", times=2, method="channels/get")
        server.inject("http429", method="channels/get")
        batch = extract(server, [page("minfin59")])
        assert len(server.calls("channels/get")) == 4
    stats, posts = parse(batch.records)
    assert stats[0]["status"] == "active" and stats[0]["followers"] == 7 and posts == []
    assert [r["method"] for r in batch.records[1:]] == ["channels/get", "channels/posts"]  # one record per answer


def test_http_500_and_malformed_json_are_retried():
    channels = {"minfin59": {"participants_count": 7, "posts": [post(1, START + DAY, views=3)]}}
    with FakeTgstat(channels, token=TOKEN) as server:
        server.inject("http500", method="channels/get")
        server.inject("malformed", method="channels/posts")
        batch = extract(server, [page("minfin59")])
        assert len(server.requests) == 4
    _, posts = parse(batch.records)
    assert [p["views"] for p in posts] == [3]


def test_quota_exhausted_is_a_clear_error_without_the_token(caplog):
    caplog.set_level(logging.DEBUG)
    with FakeTgstat({"minfin59": {"participants_count": 7}}, token=TOKEN, quota=1) as server:
        with pytest.raises(QuotaError) as raised:
            extract(server, [page("minfin59")])
        assert len(server.requests) == 2  # channels/get, then channels/posts: not retried
    message = str(raised.value)
    assert "quota" in message and "quota_requests_reached" in message and "requests is used up" in message
    assert TOKEN not in message and TOKEN not in repr(raised.value) and TOKEN not in caplog.text


def test_invalid_token_fails_fast():
    clock = VirtualClock()
    with FakeTgstat({"minfin59": {}}, token=TOKEN) as server:
        with pytest.raises(AuthError) as raised:
            extract(server, [page("minfin59")], token="wrong-token", clock=clock)
        assert clock.sleeps == []  # no backoff: refused at once
        assert len(server.requests) == 1
    assert "token_invalid" in str(raised.value) and "wrong-token" not in str(raised.value)


def test_injected_token_refusal_and_missing_token_are_auth_errors():
    with FakeTgstat({"minfin59": {}}, token=TOKEN) as server:
        server.inject("invalid_token")
        with pytest.raises(AuthError):
            extract(server, [page("minfin59")])
        assert len(server.requests) == 1
        with pytest.raises(AuthError, match="no token configured"):
            TgstatApi(ApiAccount(server.url, ""), rate=50).get("channels/get", {"channelId": "@minfin59"})
        assert len(server.requests) == 1  # nothing sent without a token


def test_unknown_channel_is_not_found_and_the_others_go_on():
    channels = {
        "first": {"participants_count": 1, "posts": [post(1, START + DAY, views=1)]},
        "third": {"participants_count": 3, "posts": [post(9, START + 2 * DAY, views=2)]},
    }
    pages = [page("first"), page("ghost"), page("third")]
    with FakeTgstat(channels, token=TOKEN) as server:
        batch = extract(server, pages)
        asked = [c["params"]["channelId"] for c in server.calls("channels/posts")]
    assert asked == ["@first", "@third"]
    stats, posts = parse(batch.records)
    assert [(s["page_id"], s["status"], s["followers"]) for s in stats] == [
        ("telegram:first", "active", 1),
        ("telegram:ghost", "not_found", None),
        ("telegram:third", "active", 3),
    ]
    assert sorted((p["page_id"], p["post_id"]) for p in posts) == [("telegram:first", "1"), ("telegram:third", "9")]


def test_the_token_never_appears_in_landing_records_or_logs(caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    channels = {"minfin59": {"participants_count": 7, "posts": [post(1, START + DAY, views=3)]}}
    with FakeTgstat(channels, token=TOKEN) as server:
        server.inject("http500")  # a retry, so that warnings are logged too
        batch = extract(server, [page("minfin59"), page("ghost")])
        assert server.requests[0]["params"]["token"] == TOKEN
    assert TOKEN not in json.dumps(batch.records, ensure_ascii=False)
    path = Landing(tmp_path, "telegram").write(1, batch)
    assert TOKEN.encode() not in path.read_bytes()
    assert TOKEN not in "\n".join(json.dumps(r) for r in Landing.read(path))
    assert "retry" in caplog.text  # logs were captured...
    assert "token=***" in caplog.text  # ...urllib3's request lines too, redacted
    assert TOKEN not in caplog.text


def test_parse_rebuilds_the_rows_from_the_records_alone(tmp_path):
    channels = {
        "minfin59": {
            "participants_count": 50,
            "posts": [post(i, START + i * DAY, views=10 * i, reactions=i) for i in range(1, 6)],
        },
    }
    with FakeTgstat(channels, token=TOKEN) as server:
        batch = extract(server, [page("minfin59"), page("ghost")])
    direct = parse(batch.records)
    path = Landing(tmp_path, "telegram").write(1, batch)
    reread = parse(Landing.read(path))  # a fresh process would see only this file
    assert reread == direct
    stats, posts = reread
    assert [s["status"] for s in stats] == ["active", "not_found"]
    assert sorted((p["post_id"], p["views"], p["likes"]) for p in posts) == [(str(i), 10 * i, i) for i in range(1, 6)]


def test_counters_come_from_stat_multi_when_the_posts_lack_them():
    many = [post(i, START + i * 3_600, views=i, shares=1, comments=2, reactions=3) for i in range(1, 61)]
    channels = {"minfin59": {"participants_count": 5, "posts": many}}
    with FakeTgstat(channels, token=TOKEN, counters_in_posts=False) as server:
        batch = extract(server, [page("minfin59")])
        multi = server.calls("posts/stat-multi")
    assert [len(c["params"]["postsIds"].split(",")) for c in multi] == [50, 10]
    _, posts = parse(batch.records)
    assert len(posts) == 60
    assert {(p["likes"], p["comments"], p["reposts"]) for p in posts} == {(3, 2, 1)}


def test_no_stat_multi_calls_when_the_posts_carry_their_counters():
    with FakeTgstat({"minfin59": {"posts": [post(1, START + DAY)]}}, token=TOKEN) as server:
        extract(server, [page("minfin59")])
        assert server.calls("posts/stat-multi") == []


def test_parse_sums_per_emoji_reactions_and_reads_missing_counters_as_zero():
    def item(n, **fields):
        return {"id": 500 + n, "date": START + n, "link": f"https://t.me/chan/{n}", **fields}

    records = [
        {
            "kind": "batch",
            "platform": "telegram",
            "batch": 3,
            "period": "2026-10",
            "pages": [["telegram:chan", "chan"]],
        },
        {
            "kind": "call",
            "method": "channels/get",
            "params": {"channelId": "@chan"},
            "response": {"status": "ok", "response": {"participants_count": "42"}},
            "received_at": "2026-11-02T09:00:00+00:00",
        },
        {
            "kind": "call",
            "method": "channels/posts",
            "params": {"channelId": "@chan", "offset": 0},
            "response": {
                "status": "ok",
                "response": {
                    "items": [
                        item(1, views=10, reactions_count={"👍": 3, "❤": 2}, comments_count=None, shares_count=1),
                        item(
                            2,
                            views=None,
                            reactions_count=[{"emoji": "🔥", "count": 4}, {"emoji": "👍", "count": 1}],
                            comments_count=1,
                            shares_count=0,
                        ),
                        item(3, views=5, reactions_count=1, comments_count=0, shares_count=0, is_deleted=1),
                        item(1, views=99, reactions_count=0, comments_count=0, shares_count=0),  # the same post again
                    ]
                },
            },
            "received_at": "2026-11-02T09:00:01+00:00",
        },
    ]
    stats, posts = parse(records)
    assert stats[0]["followers"] == 42
    assert stats[0]["observed_at"] == datetime(2026, 11, 2, 9, tzinfo=UTC)
    assert [(p["post_id"], p["views"], p["likes"], p["comments"], p["reposts"]) for p in posts] == [
        ("1", 10, 5, 0, 1),
        ("2", 0, 5, 1, 0),
    ]


def test_parse_refuses_a_batch_without_the_channel_answer():
    records = [
        {"kind": "batch", "platform": "telegram", "batch": 1, "period": "2026-10", "pages": [["telegram:a", "a"]]}
    ]
    with pytest.raises(ValueError, match="no channels/get answer for telegram:a"):
        parse(records)


def test_account_from_the_airflow_connection(monkeypatch):
    monkeypatch.setattr(http_module, "_connection_fields", lambda conn_id: (None, TOKEN, {"rate": "4"}))
    api = TgstatApi.from_connection()
    assert api.account.base_url == DEFAULT_HOST and api.account.token == TOKEN
    assert api.pacer.interval == pytest.approx(0.25)
    assert TOKEN not in repr(api.account)
    seen = []
    monkeypatch.setattr(
        http_module, "_connection_fields", lambda conn_id: seen.append(conn_id) or ("h.example", "t", {})
    )
    assert TgstatApi.from_connection(rate=9).account.base_url == "https://h.example"
    assert seen == [CONN_ID]
