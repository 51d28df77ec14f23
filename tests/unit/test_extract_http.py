"""The shared API client: pacing, retries with backoff, fail-fast auth, secrets kept out."""

from __future__ import annotations

import json

import pytest
from fakes.server import FakeApi
from gospublic_rating.extract.http import (
    ApiAccount,
    AuthError,
    JsonApi,
    Pacer,
    ThrottledError,
    TransientError,
    redact,
)
from gospublic_rating.extract.landing import Landing, LandingBatch

TOKEN = "tok-SECRET-123"


class Scripted(FakeApi):
    """Answers from a script: each entry (status, body) serves one request, the last repeats."""

    def __init__(self, script):
        super().__init__()
        self.script = list(script)

    def respond(self, path, params):
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]


class EchoApi(JsonApi):
    platform = "echo"

    def authenticate(self, params):
        return {**params, "access_token": self.account.token}

    def check(self, body, method):
        if isinstance(body, dict) and body.get("error") == "slow down":
            raise ThrottledError(f"{method}: slow down")
        if isinstance(body, dict) and body.get("error") == "bad token":
            raise AuthError(f"{method}: token refused")
        return body


def _api(server, **kwargs):
    waits = []
    api = EchoApi(ApiAccount(server.url, TOKEN), rate=1000, sleep=waits.append, **kwargs)
    return api, waits


def test_pacer_spaces_calls_evenly():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        pacer.wait()
    assert slept == pytest.approx([0.25, 0.25, 0.25, 0.25])


@pytest.mark.parametrize(
    "failure",
    [(500, {"error": "boom"}), (429, {}), (200, b"<html>not json"), (200, {"error": "slow down"})],
    ids=["5xx", "http-429", "malformed-json", "throttled"],
)
def test_retryable_failures_are_retried_with_growing_jittered_waits(failure):
    with Scripted([failure, failure, (200, {"ok": 1})]) as server:
        api, waits = _api(server, backoff_base=1.0, backoff_cap=100)
        assert api.call("m", {"a": 1}) == {"ok": 1}
    assert api.calls == 3
    assert len(waits) >= 2
    backoffs = [w for w in waits if w > 0.01]  # pacing waits are tiny at 1000/s
    assert all(0 <= w <= 2**i for i, w in enumerate(backoffs))


def test_giving_up_after_the_last_attempt_names_the_call_without_the_token():
    with Scripted([(503, {})]) as server:
        api, _ = _api(server, max_attempts=3)
        with pytest.raises(TransientError, match=r"echo m\(\{\"a\": 1\}\): gave up after 3 attempts") as error:
            api.call("m", {"a": 1})
    assert api.calls == 3
    assert TOKEN not in str(error.value)


def test_auth_errors_fail_at_once():
    with Scripted([(200, {"error": "bad token"})]) as server:
        api, _ = _api(server)
        with pytest.raises(AuthError) as error:
            api.call("m", {"access_token": TOKEN})
    assert api.calls == 1
    assert TOKEN not in str(error.value)


def test_connection_reset_is_retried():
    with Scripted([(200, {"ok": 1})]) as server:
        api, _ = _api(server, max_attempts=2)
        url = server.url
    # the server is gone now: every call fails to connect
    api.account = ApiAccount(url, TOKEN)
    with pytest.raises(TransientError, match="ConnectionError"):
        api.call("m", {})
    assert api.calls == 2


def test_secrets_stay_out_of_repr_redaction_and_landing(tmp_path):
    account = ApiAccount("https://api.example", TOKEN, {"application_secret_key": "S3CR3T"})
    assert TOKEN not in repr(account) and "S3CR3T" not in repr(account)
    assert redact({"access_token": TOKEN, "sig": "abc", "owner_id": 1}) == {
        "access_token": "***",
        "sig": "***",
        "owner_id": 1,
    }
    batch = LandingBatch("vk", 0, "2026-10", [["vk:1", "1"]])
    batch.add("groups.getById", {"group_ids": "1", "access_token": TOKEN}, {"response": []})
    landing = Landing(tmp_path, "vk")
    path = landing.write(0, batch)
    assert landing.done(0) and not landing.done(1)
    text = json.dumps(list(Landing.read(path)))
    assert TOKEN not in text
    assert list(Landing.read(path))[0]["pages"] == [["vk:1", "1"]]


def test_account_from_the_connection_variable(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_DEMO_API",
        json.dumps(
            {
                "conn_type": "http",
                "host": "127.0.0.1",
                "schema": "http",
                "port": 8080,
                "password": TOKEN,
                "extra": {"rate": "2"},
            }
        ),
    )
    account = ApiAccount.from_connection("demo_api", "https://api.example")
    assert account.base_url == "http://127.0.0.1:8080"
    assert account.token == TOKEN and account.extra == {"rate": "2"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7, 7),
        ("12", 12),
        (None, 0),
        ("n/a", 0),
        (-3, 0),
        (True, 0),
        ({"count": 5}, 5),
        ({"👍": 2, "🔥": 3}, 5),
        ([{"count": 1}, 4], 5),
    ],
)
def test_counters_read_as_non_negative_ints(value, expected):
    from gospublic_rating.extract.counters import counter

    assert counter(value) == expected
