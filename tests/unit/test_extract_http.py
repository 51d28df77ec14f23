"""The shared API client: pacing, retries with backoff, fail-fast auth, secrets kept out."""

from __future__ import annotations

import json
import logging
import sys

import pytest
import requests
from fakes.clock import VirtualClock
from fakes.server import FakeApi
from gospublic_rating.extract.http import (
    ApiAccount,
    AuthError,
    JsonApi,
    Pacer,
    ThrottledError,
    TransientError,
    redact,
    scrub,
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
    """The client on virtual time; the second value lists every wait it asked for."""
    clock = VirtualClock()
    api = EchoApi(ApiAccount(server.url, TOKEN), rate=1000, clock=clock, sleep=clock.sleep, **kwargs)
    return api, clock.sleeps


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


def test_pacer_slows_down_after_throttling_and_recovers_slowly():
    from gospublic_rating.extract.http import MAX_SLOWDOWN, RECOVERY, SLOWDOWN

    clock = VirtualClock(start=0.0)
    pacer = Pacer(2.7, clock=clock, sleep=clock.sleep)
    base = 1 / 2.7
    pacer.slow_down()
    assert pacer.interval == pytest.approx(base * SLOWDOWN)
    pacer.slow_down()
    assert pacer.interval == pytest.approx(base * SLOWDOWN**2)
    for _ in range(10):
        pacer.slow_down()
    assert pacer.interval == pytest.approx(base * MAX_SLOWDOWN)  # capped
    pacer.recover()
    assert pacer.interval == pytest.approx(base * MAX_SLOWDOWN / RECOVERY)  # one good answer: a little faster
    for _ in range(1000):
        pacer.recover()
    assert pacer.interval == pytest.approx(base)  # never faster than configured
    # the waits follow the interval on virtual time
    pacer.slow_down()
    pacer.wait()
    pacer.wait()
    assert clock.sleeps[-1] == pytest.approx(base * SLOWDOWN)


def test_throttled_answers_are_counted_and_lower_the_pace_of_the_following_calls():
    throttled = (200, {"error": "slow down"})
    with Scripted([throttled, throttled, (200, {"ok": 1}), (200, {"ok": 2}), (200, {"ok": 3})]) as server:
        clock = VirtualClock(start=0.0)
        api = EchoApi(ApiAccount(server.url, TOKEN), rate=10, clock=clock, sleep=clock.sleep, backoff_base=0.0)
        assert api.call("m", {}) == {"ok": 1}
        assert api.throttled == 2 and api.calls == 3
        # two throttling answers doubled the interval twice; one good answer took back 1/RECOVERY
        from gospublic_rating.extract.http import RECOVERY, SLOWDOWN

        assert api.pacer.interval == pytest.approx(0.1 * SLOWDOWN**2 / RECOVERY)
        # on virtual time: each gap is the interval as the previous call left, slower than 0.1 s
        gaps = []
        for _ in range(2):
            before = clock.now
            api.call("m", {})
            gaps.append(clock.now - before)
        assert gaps == pytest.approx([0.1 * SLOWDOWN**2, 0.1 * SLOWDOWN**2 / RECOVERY])
    assert api.throttled == 2


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


@pytest.mark.parametrize("attempts", [1, 3])
def test_the_last_attempt_gives_up_at_once_without_a_retry_or_a_wait(attempts, caplog):
    with Scripted([(503, {})]) as server:
        api, waits = _api(server, max_attempts=attempts)
        api.backoff = lambda attempt: 10.0 + attempt  # long enough that the pacer never waits
        with pytest.raises(TransientError, match=f"gave up after {attempts} attempts"):
            api.call("m", {"a": 1})
        assert len(server.requests) == api.calls == attempts
    assert waits == [10.0 + n for n in range(attempts - 1)]  # a wait between attempts, none after the last
    retries = [r.getMessage().split("; ")[-1] for r in caplog.records if "retry" in r.getMessage()]
    assert retries == [f"retry {n}/{attempts - 1} in {10.0 + n - 1:.1f} s" for n in range(1, attempts)]


def test_timeouts_are_retried_and_their_text_is_scrubbed():
    api = EchoApi(ApiAccount("http://api.example", TOKEN), rate=1000, max_attempts=2, sleep=lambda s: None)

    def timed_out(url, **kwargs):
        raise requests.ReadTimeout(f"Read timed out: {url}?access_token={TOKEN}&a=1 (read timeout=30)")

    api.session.post = timed_out
    with pytest.raises(TransientError) as error:
        api.call("m", {"a": 1})
    assert api.calls == 2
    assert "ReadTimeout: Read timed out: http://api.example/m?access_token=***&a=1" in str(error.value)
    assert TOKEN not in str(error.value)


def test_scrub_masks_secrets_as_sent_and_url_encoded_and_secret_parameters():
    secret = "a/b+c d=="
    text = f"token={TOKEN}&x=1 sig=abc <{secret}> <a%2Fb%2Bc%20d%3D%3D> <a%2Fb%2Bc+d%3D%3D>"
    assert scrub(text, [secret]) == "token=***&x=1 sig=*** <***> <***> <***>"
    echoed = {"error": {"error_msg": f"bad {TOKEN}", "request_params": [{"key": "access_token", "value": "x"}]}}
    assert scrub(echoed, [TOKEN]) == {
        "error": {"error_msg": "bad ***", "request_params": [{"key": "access_token", "value": "***"}]}
    }
    assert scrub([{"access_token": "x", "n": 5}], []) == [{"access_token": "***", "n": 5}]


def test_a_proxy_page_echoing_the_request_leaves_no_token_in_logs_or_errors(caplog):
    caplog.set_level(logging.DEBUG)
    with Scripted([(200, {"ok": 1})]) as server:
        server.echo_pages(2)  # 200, HTML, the request echoed with its token
        api, _ = _api(server, max_attempts=3)
        assert api.call("m", {"a": 1}) == {"ok": 1}
        server.echo_pages(3)
        with pytest.raises(TransientError) as error:
            api.call("m", {"a": 1})
        assert server.requests[0]["params"]["access_token"] == TOKEN
    assert "malformed JSON ('<pre>POST /m HTTP/1.1" in caplog.text  # the excerpt is still there...
    assert "access_token=***" in caplog.text and "access_token=***" in str(error.value)
    assert TOKEN not in caplog.text and TOKEN not in str(error.value)  # ...without the token


def test_secrets_are_registered_with_airflows_secrets_masker(monkeypatch):
    masked = []
    monkeypatch.setattr("airflow.sdk.log.mask_secret", lambda secret, name=None: masked.append(secret))
    extra = {"application_secret_key": "app-SECRET-42", "application_key": "public", "rate": "2"}
    EchoApi(ApiAccount("http://api.example", TOKEN, extra), rate=1)
    assert sorted(masked) == sorted([TOKEN, "app-SECRET-42"])


def test_without_airflow_the_client_still_works(monkeypatch):
    monkeypatch.setitem(sys.modules, "airflow.sdk.log", None)  # import fails as if Airflow were absent
    api = EchoApi(ApiAccount("http://api.example", TOKEN), rate=1)
    assert api.scrub(f"x {TOKEN}") == "x ***"


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
