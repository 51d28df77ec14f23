"""MAX through the Bot API, against a fake server written from the documentation (tests/fakes/max_server.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest
from fakes.clock import VirtualClock
from fakes.max_server import FakeMax, message
from gospublic_rating.contract import SCHEMAS
from gospublic_rating.extract.http import ApiAccount, AuthError
from gospublic_rating.extract.landing import LandingBatch
from gospublic_rating.period import Period
from gospublic_rating.platforms.max.api import DEFAULT_HOST, MaxApi
from gospublic_rating.platforms.max.parser import parse
from gospublic_rating.platforms.max.planner import MaxExtractor
from gospublic_rating.platforms.urls import normalise_page_url

TOKEN = "max-SECRET-bot-token-31337"
PERIOD = Period(2026, 10)
START = round(PERIOD.start_utc.timestamp() * 1000)  # 2026-10-01 00:00 Moscow, in ms
END = round(PERIOD.end_utc.timestamp() * 1000)
DAY = 86_400_000
CHAT = -72000000000001


def api_for(server: FakeMax, token: str = TOKEN, **extra) -> MaxApi:
    clock = VirtualClock()
    return MaxApi(ApiAccount(server.url, token, extra), rate=30, backoff_base=0.01, clock=clock, sleep=clock.sleep)


def extract(server: FakeMax, pages: list[tuple[str, str]], **options) -> tuple[LandingBatch, MaxApi]:
    api = api_for(server)
    batch = LandingBatch("max", 0, str(PERIOD), [list(p) for p in pages])
    MaxExtractor(api, **options).fetch(batch, pages, PERIOD)
    return batch, api


def test_a_channel_its_subscribers_and_the_posts_of_the_period_with_views_only():
    chats = {
        CHAT: {
            "participants_count": 5120,
            "messages": [
                message("m0", START - 1, views=3),  # 23:59:59.999 on 30 September, Moscow: outside
                message("m1", START, views=100),  # the first millisecond of October
                message("m2", START + 10 * DAY, views=40),
                message("m3", END - 1, views=7),  # the last millisecond of October
                message("m4", END, views=9),  # 1 November: outside
            ],
        }
    }
    with FakeMax(chats, token=TOKEN) as server:
        batch, api = extract(server, [(f"max:{CHAT}", str(CHAT))])
        requests = server.requests
    stats, posts = parse(batch.records)
    assert [(s["page_id"], s["status"], s["followers"], s["platform_gov_mark"]) for s in stats] == [
        (f"max:{CHAT}", "active", 5120, None)
    ]
    assert sorted((p["post_id"], p["views"], p["likes"], p["comments"], p["reposts"]) for p in posts) == [
        ("m1", 100, None, None, None),
        ("m2", 40, None, None, None),
        ("m3", 7, None, None, None),
    ]
    assert min(p["published_at"] for p in posts) == datetime(2026, 9, 30, 21, tzinfo=UTC)
    # the documented wire format: bare token in the header, never in the query; to < from; count <= 100
    assert all(r["headers"].get("Authorization") == TOKEN and "access_token" not in r["params"] for r in requests)
    listing = [r for r in requests if r["path"] == "/messages"][0]["params"]
    assert (int(listing["to"]), int(listing["from"]), int(listing["count"])) == (START, END - 1, 100)
    assert api.calls == 2  # one chat, one page of messages
    pa.Table.from_pylist(posts, schema=SCHEMAS["posts"])  # the contract types, nulls and all
    for record in batch.records[1:]:
        assert TOKEN not in str(record)


def test_paging_moves_from_down_and_keeps_messages_sharing_a_timestamp_at_the_boundary():
    t = START + 5 * DAY
    # count 3: the first page is m9 m8 m7 (m7 at t); m6 and m5 share t with m7 and must not be lost
    msgs = [
        message(f"m{i}", ts)
        for i, ts in enumerate([t - 2000, t - 1000, t - 1000, t - 500, t, t, t, t + 10, t + 20, t + 30])
    ]
    with FakeMax({CHAT: {"participants_count": 1, "messages": msgs}}, token=TOKEN) as server:
        batch, _ = extract(server, [(f"max:{CHAT}", str(CHAT))], count=3)
    _, posts = parse(batch.records)
    assert sorted(p["post_id"] for p in posts) == sorted(f"m{i}" for i in range(10))


def test_unknown_denied_closed_and_unresolved_channels_are_page_statuses_not_failures():
    chats = {
        -1: {"participants_count": 10, "messages": [message("a", START + DAY, views=1)]},
        -2: {"participants_count": 20},
        -3: {"participants_count": 30, "status": "closed"},
        -5: {"participants_count": 50, "link": "https://max.ru/minfin_pk"},
    }
    pages = [("max:-1", "-1"), ("max:-2", "-2"), ("max:-3", "-3"), ("max:-4", "-4"), ("max:minfin_pk", "minfin_pk")]
    with FakeMax(chats, token=TOKEN, denied={-2}) as server:
        batch, _ = extract(server, pages)
    stats, posts = parse(batch.records)
    assert {s["page_id"]: s["status"] for s in stats} == {
        "max:-1": "active",
        "max:-2": "private",  # 403: the bot has no access
        "max:-3": "deleted",  # the chat was closed
        "max:-4": "not_found",  # 404
        "max:minfin_pk": "not_found",  # lookup by link no longer works: the region must send the chat id
    }
    lookup = [r for r in batch.records if r.get("params", {}).get("link") == "minfin_pk"]
    assert lookup and lookup[0]["response"]["http_status"] == 404  # the reason stays in the landing archive
    assert [p["post_id"] for p in posts] == ["a"]
    assert all(s["followers"] is None for s in stats if s["status"] != "active")


def test_a_link_is_resolved_where_the_api_allows_it():
    chats = {-5: {"participants_count": 50, "link": "https://max.ru/minfin_pk", "messages": [message("x", START)]}}
    with FakeMax(chats, token=TOKEN, links_work=True) as server:
        batch, _ = extract(server, [("max:minfin_pk", "minfin_pk")])
    stats, posts = parse(batch.records)
    assert (stats[0]["status"], stats[0]["followers"], [p["post_id"] for p in posts]) == ("active", 50, ["x"])


def test_a_refused_token_names_the_connection_and_the_field_without_the_token():
    with FakeMax({CHAT: {}}, token="another") as server, pytest.raises(AuthError) as caught:
        extract(server, [(f"max:{CHAT}", str(CHAT))])
    assert "max_api" in str(caught.value) and "password" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_throttling_is_retried():
    with FakeMax({CHAT: {"participants_count": 3}}, token=TOKEN) as server:
        server.inject("429", times=2)
        batch, api = extract(server, [(f"max:{CHAT}", str(CHAT))])
    assert parse(batch.records)[0][0]["status"] == "active"
    assert api.calls == 4  # two throttled answers, the chat, one page of messages


def test_the_ca_bundle_of_the_connection_is_trusted_and_verification_never_switched_off(tmp_path):
    with FakeMax({}, token=TOKEN) as server:
        assert api_for(server).session.verify is True
        with pytest.raises(AuthError, match="extra.ca_bundle"):
            api_for(server, ca_bundle=str(tmp_path / "missing.pem"))
        bundle = tmp_path / "russian_trusted_root_ca.pem"
        bundle.write_text("-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n")
        assert api_for(server, ca_bundle=str(bundle)).session.verify == str(bundle)


def test_the_deprecated_host_is_refused_and_the_default_is_v2():
    assert DEFAULT_HOST == "https://platform-api2.max.ru"
    with pytest.raises(AuthError, match="deprecated"):
        MaxApi(ApiAccount("https://platform-api.max.ru", TOKEN))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://max.ru/MinFin_PK", ("max", "minfin_pk")),
        ("max.ru/minfin_pk/", ("max", "minfin_pk")),
        ("-72000000000001", ("max", "-72000000000001")),
        ("max:-72000000000001", ("max", "-72000000000001")),
        ("max:minfin_pk", ("max", "minfin_pk")),
    ],
)
def test_the_intake_reads_max_addresses_and_chat_ids(text, expected):
    assert normalise_page_url(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"), [("https://max.ru/join/AbCd", "invite link"), ("max.ru/a/b", "not the address")]
)
def test_the_intake_rejects_what_is_not_a_channel(text, reason):
    with pytest.raises(ValueError, match=reason):
        normalise_page_url(text)
