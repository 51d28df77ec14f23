"""The OK extractor against a fake fb.do on the loopback interface."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest
from fakes.ok_server import FakeGroup, FakeOk, topic
from gospublic_rating.contract import SCHEMAS
from gospublic_rating.extract.http import ApiAccount, AuthError
from gospublic_rating.extract.landing import Landing, LandingBatch
from gospublic_rating.period import Period
from gospublic_rating.platforms.ok.api import DEFAULT_HOST, OkApi, session_secret, signature
from gospublic_rating.platforms.ok.parser import parse
from gospublic_rating.platforms.ok.planner import OkExtractor

TOKEN = "tok-9f8e7d6c-SECRET"
APP_KEY = "CBAPUBLICKEY"
APP_SECRET = "appsec-C0FFEE-SECRET"
SESSION_SECRET = session_secret(TOKEN, APP_SECRET)
SECRETS = (TOKEN, APP_SECRET, SESSION_SECRET)
PERIOD = Period(2026, 10)
START = PERIOD.start_utc  # 2026-09-30 21:00 UTC = 1 October 00:00 Moscow
END = PERIOD.end_utc  # 2026-10-31 21:00 UTC = 1 November 00:00 Moscow


def ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def mid(day: int, hour: int = 12) -> int:
    return ms(datetime(2026, 10, day, hour, tzinfo=UTC))


def make_api(server: FakeOk, **kwargs) -> OkApi:
    extra = {"application_key": APP_KEY, "application_secret_key": APP_SECRET}
    return OkApi(ApiAccount(server.url, TOKEN, extra), rate=kwargs.pop("rate", 200), backoff_base=0.01, **kwargs)


def fake(groups: dict[str, FakeGroup], **kwargs) -> FakeOk:
    return FakeOk(groups, token=TOKEN, application_key=APP_KEY, application_secret_key=APP_SECRET, **kwargs)


def run(server: FakeOk, pages: list[tuple[str, str]], **extractor_kwargs) -> tuple[LandingBatch, OkApi]:
    api = make_api(server)
    batch = LandingBatch("ok", 0, str(PERIOD), [list(p) for p in pages])
    OkExtractor(api, **extractor_kwargs).fetch(batch, pages, PERIOD)
    return batch, api


def pages_of(*uids: str) -> list[tuple[str, str]]:
    return [(f"ok:{uid}", uid) for uid in uids]


def by_page(rows: list[dict]) -> dict[str, dict]:
    return {row["page_id"]: row for row in rows}


# --- signature ------------------------------------------------------------------------


def test_signature_worked_example():
    # Server-server scheme, worked through in the aiookru docs for apiok.ru's algorithm:
    # session secret = md5(access_token + application_secret_key); sorted key=value pairs
    # "application_key=ABCDEFGHIGKLMNOPKformat=jsonmethod=events.get" + secret → md5.
    token = "-s-84W-s3egarWUsbkq-IWTucuedzTKT8VUXIA.s4Xx8IW7"
    secret = session_secret(token, "ABC123DEF456GHI789JKL123")
    assert secret == "b1a2b89707a94624c43afae67d59274c"
    params = {"method": "events.get", "format": "json", "application_key": "ABCDEFGHIGKLMNOPK"}
    assert signature(params, secret) == "232c8eb921951c4dba9b72606f9ddb4c"
    # access_token, session_key and sig are left out of the signature; order does not matter
    noisy = {**params, "access_token": token, "session_key": "x", "sig": "old"}
    assert signature(dict(reversed(list(noisy.items()))), secret) == "232c8eb921951c4dba9b72606f9ddb4c"
    # client-server scheme: the session_secret_key is used as it is
    assert signature(params, "ae5362b5b588cc7294c2414d71b74d5d") == "03a41413523ea8092507949d6e711963"


def test_signed_request_is_accepted_and_a_wrong_secret_fails_fast():
    with fake({"1": FakeGroup(members=10)}) as server:
        batch, api = run(server, pages_of("1"))
        sent = server.requests[0]["params"]
        assert sent["application_key"] == APP_KEY and sent["format"] == "json" and sent["access_token"] == TOKEN
        assert sent["sig"] == server.expected_sig(sent)

        bad = OkApi(
            ApiAccount(server.url, TOKEN, {"application_key": APP_KEY, "application_secret_key": "wrong-SECRET"}),
            rate=200,
            backoff_base=0.01,
        )
        before = len(server.requests)
        with pytest.raises(AuthError) as caught:
            OkExtractor(bad).fetch(LandingBatch("ok", 0, str(PERIOD), []), pages_of("1"), PERIOD)
        assert "PARAM_SIGNATURE (104)" in str(caught.value)
        assert "'ok_api'" in str(caught.value) and "extra.application_secret_key" in str(caught.value)
        assert len(server.requests) == before + 1  # no retry
        for secret in (*SECRETS, "wrong-SECRET", session_secret(TOKEN, "wrong-SECRET")):
            assert secret not in str(caught.value)


def test_host_with_fb_do_and_default_host():
    with fake({"1": FakeGroup(members=3)}) as server:
        extra = {"application_key": APP_KEY, "application_secret_key": APP_SECRET}
        api = OkApi(ApiAccount(server.url + "/fb.do", TOKEN, extra), rate=200)
        assert api.call("group.getInfo", {"uids": "1", "fields": "uid,members_count"}) == {
            "groups": [{"uid": "1", "members_count": 3}]
        }
    assert DEFAULT_HOST == "https://api.ok.ru"


def test_missing_application_key_is_an_auth_error_without_secrets():
    with pytest.raises(AuthError) as caught:
        OkApi(ApiAccount("http://127.0.0.1:9", TOKEN, {"application_secret_key": APP_SECRET}), rate=1)
    assert "application_key" in str(caught.value)
    assert all(secret not in str(caught.value) for secret in SECRETS)


# --- errors ---------------------------------------------------------------------------


def test_throttling_5xx_and_malformed_json_are_retried_then_succeed():
    groups = {"1": FakeGroup(members=7, topics=[topic("t1", mid(5), views=100)])}
    with fake(groups, faults=["flood", "limit", "http500", "malformed"]) as server:
        batch, api = run(server, pages_of("1"))
    assert api.calls == 2 + 4  # getInfo + getTopics, four failed attempts in front
    stats, posts = parse(batch.records)
    assert stats[0]["status"] == "active" and stats[0]["followers"] == 7
    assert [p["post_id"] for p in posts] == ["t1"]


@pytest.mark.parametrize("code", [102, 103, 453])
def test_session_errors_fail_fast_without_secrets(code):
    with fake({"1": FakeGroup(members=1)}, session_error=code) as server:
        api = make_api(server)
        with pytest.raises(AuthError) as caught:
            OkExtractor(api).fetch(LandingBatch("ok", 0, str(PERIOD), []), pages_of("1"), PERIOD)
        assert len(server.requests) == 1
    assert f"({code})" in str(caught.value)
    assert all(secret not in str(caught.value) for secret in SECRETS)


def test_secrets_echoed_by_the_server_are_scrubbed(monkeypatch):
    masked = []
    monkeypatch.setattr("airflow.sdk.log.mask_secret", lambda secret, name=None: masked.append(secret))
    api = OkApi(
        ApiAccount("http://127.0.0.1:9", TOKEN, {"application_key": APP_KEY, "application_secret_key": APP_SECRET}),
        rate=1,
    )
    with pytest.raises(AuthError) as caught:
        api.check({"error_code": 104, "error_msg": f"bad sig for {TOKEN} / {SESSION_SECRET}"}, "group.getInfo")
    assert all(secret not in str(caught.value) for secret in SECRETS)
    assert sorted(masked) == sorted(SECRETS)  # the derived session secret too: Airflow masks them in task logs


def test_not_found_and_group_restriction_become_page_statuses_and_the_others_go_on():
    groups = {
        "1": FakeGroup(members=10, topics=[topic("a", mid(3), 5, 1, 0, 0)]),
        "2": FakeGroup(members=20, restricted=True),  # getTopics → 456
        "3": FakeGroup(members=30, deleted=True),  # left out of getInfo
        "4": FakeGroup(members=40, access_type="CLOSED"),
        "6": FakeGroup(members=60, topics=[topic("b", mid(4), 9, 2, 1, 1)]),
    }
    with fake(groups) as server:
        batch, api = run(server, pages_of("1", "2", "3", "4", "5", "6"))
        topic_gids = [p["gid"] for p in server.calls("mediatopic.getTopics")]
    assert topic_gids == ["1", "2", "6"]  # nothing asked of missing or closed groups
    stats, posts = parse(batch.records)
    got = {pid: (row["status"], row["followers"]) for pid, row in by_page(stats).items()}
    assert got == {
        "ok:1": ("active", 10),
        "ok:2": ("private", None),
        "ok:3": ("not_found", None),
        "ok:4": ("private", None),
        "ok:5": ("not_found", None),
        "ok:6": ("active", 60),
    }
    assert sorted((p["page_id"], p["post_id"]) for p in posts) == [("ok:1", "a"), ("ok:6", "b")]


def test_topics_not_found_after_getinfo_is_not_found():
    groups = {"1": FakeGroup(members=10), "2": FakeGroup(members=5)}
    with fake(groups) as server:
        api = make_api(server)
        batch = LandingBatch("ok", 0, str(PERIOD), [list(p) for p in pages_of("1", "2")])
        extractor = OkExtractor(api)
        extractor._group_info(batch, ["1", "2"], described := {})
        server.groups["2"].deleted = True  # deleted between the two calls
        for uid in described:
            extractor._topics(batch, uid, ms(START))
    stats, _ = parse(batch.records)
    assert {r["page_id"]: r["status"] for r in stats} == {"ok:1": "active", "ok:2": "not_found"}


def test_a_page_error_for_a_batch_of_groups_is_resolved_group_by_group():
    groups = {"1": FakeGroup(members=1), "2": FakeGroup(members=2), "3": FakeGroup(members=3)}
    with fake(groups, getinfo_error=300, getinfo_error_uids={"2"}) as server:
        batch, api = run(server, pages_of("1", "2", "3"))
        asked = [p["uids"] for p in server.calls("group.getInfo")]
    assert asked == ["1,2,3", "1", "2", "3"]
    stats, _ = parse(batch.records)
    assert {r["page_id"]: r["status"] for r in stats} == {"ok:1": "active", "ok:2": "not_found", "ok:3": "active"}
    assert by_page(stats)["ok:2"]["observed_at"] == datetime.fromisoformat(batch.records[3]["received_at"])


# --- posts: paging and the period -------------------------------------------------------


def test_paging_past_one_page_of_topics():
    many = [topic(f"t{i:03d}", mid(1 + i % 30, i % 24), views=i) for i in range(250)]
    with fake({"1": FakeGroup(members=1, topics=many)}) as server:
        batch, api = run(server, pages_of("1"))
        anchors = [p.get("anchor") for p in server.calls("mediatopic.getTopics")]
    assert anchors == [None, "anc-100", "anc-200"]
    _, posts = parse(batch.records)
    assert len(posts) == 250 and len({p["post_id"] for p in posts}) == 250


def test_paging_stops_once_topics_are_older_than_the_period():
    old = [topic(f"old{i}", ms(START - timedelta(days=1 + i))) for i in range(500)]
    new = [topic(f"new{i}", mid(1 + i)) for i in range(30)]
    with fake({"1": FakeGroup(members=1, topics=old + new)}) as server:
        batch, api = run(server, pages_of("1"), page_size=50)
        assert len(server.calls("mediatopic.getTopics")) == 1  # the first page already reaches September
    _, posts = parse(batch.records)
    assert sorted(p["post_id"] for p in posts) == sorted(f"new{i}" for i in range(30))


def test_period_filter_at_moscow_time_boundaries():
    boundary = [
        topic("before", ms(START) - 1),  # 30 Sep 23:59:59.999 Moscow
        topic("first", ms(START)),  # 1 Oct 00:00 Moscow = 30 Sep 21:00 UTC
        topic("utc-only", ms(datetime(2026, 10, 31, 22, tzinfo=UTC))),  # 31 Oct UTC, 1 Nov in Moscow
        topic("last", ms(END) - 1),  # 31 Oct 23:59:59.999 Moscow
        topic("after", ms(END)),  # 1 Nov 00:00 Moscow
    ]
    with fake({"1": FakeGroup(members=1, topics=boundary)}) as server:
        batch, _ = run(server, pages_of("1"))
    _, posts = parse(batch.records)
    assert sorted(p["post_id"] for p in posts) == ["first", "last"]
    published = {p["post_id"]: p["published_at"] for p in posts}
    assert published["first"] == datetime(2026, 9, 30, 21, tzinfo=UTC)


# --- landing and parse ------------------------------------------------------------------


def test_secrets_never_reach_the_landing_records(tmp_path):
    groups = {"1": FakeGroup(members=4, topics=[topic("x", mid(2))]), "2": FakeGroup(restricted=True)}
    with fake(groups, faults=["flood"]) as server:
        batch, _ = run(server, pages_of("1", "2"))
        sigs = {r["params"]["sig"] for r in server.requests}
    text = json.dumps(batch.records, ensure_ascii=False)
    for secret in (*SECRETS, *sigs):
        assert secret not in text
    landing = Landing(tmp_path, "ok")
    path = landing.write(0, batch)
    raw = path.read_bytes()
    assert all(secret.encode() not in raw for secret in SECRETS)
    assert parse(Landing.read(path)) == parse(batch.records)


def test_parse_rebuilds_the_expected_rows_from_records_alone():
    groups = {
        "11": FakeGroup(members=1200, topics=[topic("p1", mid(1), 300, 20, 3, 2), topic("p2", mid(30), 40, 4, 0, 1)]),
        "12": FakeGroup(members=5),
    }
    with fake(groups) as server:
        batch, _ = run(server, pages_of("11", "12", "13"))
    records = json.loads(json.dumps(batch.records))  # as read back from the archive
    stats, posts = parse(records)
    getinfo_at = datetime.fromisoformat(records[1]["received_at"])
    assert records[1]["method"] == "group.getInfo"
    base = {"platform": "ok", "period": "2026-10", "observed_at": getinfo_at, "platform_gov_mark": None}
    assert stats == [
        {"page_id": "ok:11", **base, "status": "active", "followers": 1200},
        {"page_id": "ok:12", **base, "status": "active", "followers": 5},
        {"page_id": "ok:13", **base, "status": "not_found", "followers": None},
    ]
    assert sorted(posts, key=lambda p: p["post_id"]) == [
        {
            "page_id": "ok:11",
            "platform": "ok",
            "post_id": "p1",
            "published_at": datetime(2026, 10, 1, 12, tzinfo=UTC),
            "views": 300,
            "likes": 20,
            "comments": 3,
            "reposts": 2,
        },
        {
            "page_id": "ok:11",
            "platform": "ok",
            "post_id": "p2",
            "published_at": datetime(2026, 10, 30, 12, tzinfo=UTC),
            "views": 40,
            "likes": 4,
            "comments": 0,
            "reposts": 1,
        },
    ]
    for name, rows in (("page_stats", stats), ("posts", posts)):
        assert set(rows[0]) == set(SCHEMAS[name].names)
        assert pa.Table.from_pylist(rows, schema=SCHEMAS[name]).num_rows == len(rows)


def test_a_bare_list_from_group_getinfo_is_read_too():
    with fake({"1": FakeGroup(members=9)}, wrap_groups=False) as server:
        batch, _ = run(server, pages_of("1", "2"))
    stats, _ = parse(batch.records)
    assert [(r["status"], r["followers"]) for r in stats] == [("active", 9), ("not_found", None)]


def test_call_counts_are_minimal():
    uids = [str(1000 + i) for i in range(150)]
    groups = {uid: FakeGroup(members=i, topics=[topic(f"{uid}-1", mid(7))]) for i, uid in enumerate(uids)}
    with fake(groups) as server:
        batch, api = run(server, pages_of(*uids))
        getinfo = server.calls("group.getInfo")
    assert [len(p["uids"].split(",")) for p in getinfo] == [100, 50]
    assert api.calls == 2 + 150  # two group.getInfo, one page of topics per group
    stats, posts = parse(batch.records)
    assert len(stats) == 150 and len(posts) == 150


def test_built_from_the_ok_api_connection(monkeypatch):
    from gospublic_rating.sources.live import make_extractor

    with fake({"1": FakeGroup(members=2, topics=[topic("z", mid(9))])}) as server:
        connection = {
            "conn_type": "http",
            "host": f"{server.url}/fb.do",
            "password": TOKEN,
            "extra": {"application_key": APP_KEY, "application_secret_key": APP_SECRET, "rate": "100"},
        }
        monkeypatch.setenv("AIRFLOW_CONN_OK_API", json.dumps(connection))
        extractor = make_extractor("ok")
        api = extractor.api
        batch = LandingBatch("ok", 0, str(PERIOD), [["ok:1", "1"]])
        extractor.fetch(batch, pages_of("1"), PERIOD)
    assert api.calls == 2 and api.pacer.interval == pytest.approx(0.01)
    assert [p["post_id"] for p in parse(batch.records)[1]] == ["z"]


# --- pages given by name: url.getInfo ----------------------------------------------------


def test_pages_given_by_name_are_resolved_by_url_getinfo_before_group_getinfo():
    groups = {
        "5100": FakeGroup(members=11, topics=[topic("n1", mid(6), views=3)], shortname="minzdrav"),
        "5200": FakeGroup(members=22, topics=[topic("g1", mid(7), views=4)]),
    }
    pages = [("ok:minzdrav", "minzdrav"), ("ok:5200", "5200"), ("ok:nosuchpage", "nosuchpage"), ("ok:ivanov", "ivanov")]
    with fake(groups, profiles={"ivanov": "777"}) as server:
        batch, api = run(server, pages)
        methods = [p["method"] for p in server.calls()]
        asked = [p["uids"] for p in server.calls("group.getInfo")]
    # one url.getInfo per name, then group.getInfo with numeric ids only
    assert methods[:4] == ["url.getInfo"] * 3 + ["group.getInfo"]
    assert asked == ["5100,5200"]
    assert [r["params"]["url"] for r in batch.records if r.get("method") == "url.getInfo"] == [
        "https://ok.ru/minzdrav",
        "https://ok.ru/nosuchpage",
        "https://ok.ru/ivanov",
    ]
    stats, posts = parse(batch.records)
    got = {pid: (row["status"], row["followers"]) for pid, row in by_page(stats).items()}
    # an unknown name (NOT_FOUND) and a personal profile (type USER) are not_found, never lost
    assert got == {
        "ok:minzdrav": ("active", 11),
        "ok:5200": ("active", 22),
        "ok:nosuchpage": ("not_found", None),
        "ok:ivanov": ("not_found", None),
    }
    assert [r["page_id"] for r in stats] == [p for p, _ in pages]  # the batch's order
    assert sorted((p["page_id"], p["post_id"]) for p in posts) == [("ok:5200", "g1"), ("ok:minzdrav", "n1")]
    # the reason is in the landing archive: the answer of url.getInfo
    answers = [r["response"] for r in batch.records if r.get("method") == "url.getInfo"]
    assert answers[1]["error_code"] == 300 and answers[2]["type"] == "USER"


def test_the_fake_follows_the_documentation_a_name_in_group_getinfo_finds_nothing():
    groups = {"5100": FakeGroup(members=11, shortname="minzdrav")}
    with fake(groups) as server:
        api = make_api(server)
        assert api.call("group.getInfo", {"uids": "minzdrav", "fields": "uid,members_count"}) == {"groups": []}
        answer = api.call("url.getInfo", {"url": "https://ok.ru/minzdrav"})
    assert answer == {"objectId": 5100, "objectIdStr": "5100", "type": "GROUP"}


def test_parse_without_the_resolution_of_a_named_page_is_malformed():
    from gospublic_rating.extract.landing import MalformedLanding

    groups = {"5100": FakeGroup(members=11, shortname="minzdrav")}
    with fake(groups) as server:
        batch, _ = run(server, [("ok:minzdrav", "minzdrav")])
    records = [r for r in batch.records if r.get("method") != "url.getInfo"]
    with pytest.raises(MalformedLanding, match="ok:minzdrav"):
        parse(records)


def test_a_name_resolving_to_a_group_also_given_by_id_is_asked_once():
    groups = {"5100": FakeGroup(members=11, topics=[topic("n1", mid(6))], shortname="minzdrav")}
    with fake(groups) as server:
        batch, _ = run(server, [("ok:minzdrav", "minzdrav"), ("ok:5100", "5100")])
        assert [p["uids"] for p in server.calls("group.getInfo")] == ["5100"]
        assert len(server.calls("mediatopic.getTopics")) == 1
    stats, posts = parse(batch.records)
    assert [r["status"] for r in stats] == ["active", "active"]
    assert sorted(p["page_id"] for p in posts) == ["ok:5100", "ok:minzdrav"]


# --- PERMISSION_DENIED: one group, or the application ------------------------------------


def test_permission_denied_for_one_group_is_a_private_page_and_the_others_go_on():
    groups = {
        "1": FakeGroup(members=10, topics=[topic("a", mid(3))]),
        "2": FakeGroup(members=20, denied=True),
        "3": FakeGroup(members=30, topics=[topic("c", mid(4))]),
    }
    with fake(groups) as server:
        batch, _ = run(server, pages_of("1", "2", "3"))
    stats, posts = parse(batch.records)
    assert {r["page_id"]: (r["status"], r["followers"]) for r in stats} == {
        "ok:1": ("active", 10),
        "ok:2": ("private", None),
        "ok:3": ("active", 30),
    }
    assert sorted(p["post_id"] for p in posts) == ["a", "c"]


def test_permission_denied_for_every_open_group_is_a_refused_application():
    groups = {uid: FakeGroup(members=1, denied=True) for uid in ("1", "2", "3")}
    with fake(groups) as server, pytest.raises(AuthError, match="ok_api") as caught:
        run(server, pages_of("1", "2", "3"))
    assert "PERMISSION_DENIED (10)" in str(caught.value)


def test_permission_denied_for_group_getinfo_is_a_refused_application():
    with fake({"1": FakeGroup(members=1)}, getinfo_error=10, getinfo_error_uids={"1"}) as server:
        with pytest.raises(AuthError, match="PERMISSION_DENIED") as caught:
            run(server, pages_of("1"))
        assert len(server.calls("group.getInfo")) == 1  # not retried, not asked group by group
    assert "ok_api" in str(caught.value)
