"""Benchmark: extracting 10,000 pages of every platform from its local fake server.

For each platform of the registry: the API calls made per page against the floor (the
fewest calls the API's documented forms allow for the same pages and posts), and the
request rate achieved against the rate the client was configured with. The fakes answer at
once, so the configured rate (RATE, far above the real APIs' limits, so that the run takes
minutes) shows the pacer's and the planner's own cost; VK's fake also enforces the rate.
Run: `make bench` (or with PYTHONPATH=include:tests). Asserts nothing; pytest does not
collect it. `python tests/benchmarks/bench_extract.py [pages] [rate]`.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Callable

from fakes.max_server import FakeMax, message
from fakes.ok_server import FakeGroup, FakeOk, topic
from fakes.telegram_server import FakeTgstat, post
from fakes.vk_server import FakeVk
from gospublic_rating.extract.http import ApiAccount
from gospublic_rating.extract.landing import LandingBatch
from gospublic_rating.period import Period
from gospublic_rating.platforms import PLATFORMS
from gospublic_rating.platforms.max.api import MaxApi
from gospublic_rating.platforms.max.planner import MaxExtractor
from gospublic_rating.platforms.ok.api import OkApi
from gospublic_rating.platforms.ok.planner import OkExtractor
from gospublic_rating.platforms.telegram.api import TgstatApi
from gospublic_rating.platforms.telegram.planner import TgstatExtractor
from gospublic_rating.platforms.vk.api import VkApi
from gospublic_rating.platforms.vk.planner import VkExtractor

PERIOD = Period(2026, 10)
START, END = int(PERIOD.start_utc.timestamp()), int(PERIOD.end_utc.timestamp())
TOKEN = "bench-token"


def posting(rng: random.Random) -> tuple[int, int, int]:
    """(posts after the period, in it, before it) of one page: heavy-tailed, 10 % silent."""
    in_period = min(400, int(rng.lognormvariate(2.6, 1.0))) if rng.random() > 0.1 else 0
    return rng.randint(0, 5), in_period, rng.randint(0, 150)


def dates(rng: random.Random, newer: int, in_period: int, older: int) -> list[int]:
    """Unix seconds, newest first."""
    found = (
        [rng.randint(END, END + 86_400) for _ in range(newer)]
        + [rng.randint(START, END - 1) for _ in range(in_period)]
        + [rng.randint(START - 400 * 86_400, START - 1) for _ in range(older)]
    )
    return sorted(found, reverse=True)


def vk(pages: int, rng: random.Random):
    groups, wall_gets = {}, 0
    for gid in range(1, pages + 1):
        group = {"members_count": rng.randint(0, 50_000), "is_government_organization": True}
        if rng.random() < 0.03:
            group["deactivated"] = rng.choice(["deleted", "banned"])
        else:
            newer, in_period, older = posting(rng)
            ds = dates(rng, newer, in_period, older)
            group["posts"] = [{"id": len(ds) - i, "date": d, "views": 10} for i, d in enumerate(ds)]
            wall_gets += max(1, math.ceil((newer + in_period + (1 if older else 0)) / 100))
        groups[gid] = group
    floor = math.ceil(pages / 500) + math.ceil(wall_gets / 25)
    return (
        FakeVk(groups, token=TOKEN),
        [(f"vk:{g}", str(g)) for g in groups],
        floor,
        lambda url, rate: VkExtractor(VkApi(ApiAccount(url + "/method", TOKEN), rate=rate)),
    )


def ok(pages: int, rng: random.Random):
    groups, topic_calls = {}, 0
    for n in range(pages):
        uid = str(70_000_000_000_000 + n)
        newer, in_period, older = posting(rng)
        ds = dates(rng, newer, in_period, older)
        groups[uid] = FakeGroup(
            members=rng.randint(0, 50_000), topics=[topic(f"{uid}-{i}", d * 1000) for i, d in enumerate(ds)]
        )
        topic_calls += max(1, math.ceil((newer + in_period + (1 if older else 0)) / 100))
    floor = math.ceil(pages / 100) + topic_calls
    extra = {"application_key": "APPKEY", "application_secret_key": "appsecret"}
    return (
        FakeOk(groups, token=TOKEN, application_secret_key="appsecret"),
        [(f"ok:{u}", u) for u in groups],
        floor,
        lambda url, rate: OkExtractor(OkApi(ApiAccount(url, TOKEN, extra), rate=rate)),
    )


def telegram(pages: int, rng: random.Random):
    channels, floor = {}, 0
    for n in range(pages):
        name = f"gov_channel_{n}"
        _, in_period, _ = posting(rng)
        ds = dates(rng, 0, in_period, 0)
        channels[name] = {
            "participants_count": rng.randint(0, 9_000),
            "posts": [post(i + 1, d, views=5) for i, d in enumerate(ds)],
        }
        floor += 1 + max(1, math.ceil(in_period / 50))  # channels/get + channels/posts pages of 50
    return (
        FakeTgstat(channels, token=TOKEN),
        [(f"telegram:{c}", c) for c in channels],
        floor,
        lambda url, rate: TgstatExtractor(TgstatApi(ApiAccount(url, TOKEN), rate=rate)),
    )


def max_(pages: int, rng: random.Random):
    chats, floor = {}, 0
    for n in range(pages):
        chat = -72_000_000_000_000 - n
        _, in_period, _ = posting(rng)
        ms = [d * 1000 for d in dates(rng, 0, in_period, 0)]
        chats[chat] = {
            "participants_count": rng.randint(0, 9_000),
            "messages": [message(f"{chat}.{i}", t, 3) for i, t in enumerate(ms)],
        }
        floor += 1 + max(1, math.ceil(in_period / 100))  # the chat + pages of 100 messages
    return (
        FakeMax(chats, token=TOKEN),
        [(f"max:{c}", str(c)) for c in chats],
        floor,
        lambda url, rate: MaxExtractor(MaxApi(ApiAccount(url, TOKEN), rate=rate)),
    )


SETUPS: dict[str, Callable] = {"vk": vk, "ok": ok, "telegram": telegram, "max": max_}


def run(platform: str, pages: int, rate: float) -> None:
    server, page_list, floor, make = SETUPS[platform](pages, random.Random(7))
    size = PLATFORMS[platform].batch_size
    with server:
        extractor = make(server.url, rate)
        started = time.monotonic()
        for first in range(0, len(page_list), size):
            chunk = page_list[first : first + size]
            extractor.fetch(LandingBatch(platform, first // size, str(PERIOD), [list(p) for p in chunk]), chunk, PERIOD)
        elapsed = time.monotonic() - started
        calls = len(server.requests)
    achieved = calls / elapsed
    limit = PLATFORMS[platform].rate_limit
    national = f"{limit:g} req/s documented" if limit else "no documented limit"
    print(
        f"{platform:9s} {calls / pages:6.3f} calls/page, floor {floor / pages:6.3f} ({calls / floor:.3f} x); "
        f"{achieved:6.1f} req/s achieved of {rate:g} configured ({achieved / rate:.0%}) in {elapsed:.0f} s; "
        f"API: {national}, default rate {PLATFORMS[platform].default_rate:g} req/s"
    )


def main(argv: list[str]) -> int:
    pages = int(argv[0]) if argv else 10_000
    rate = float(argv[1]) if len(argv) > 1 else 400.0
    print(f"extraction of {pages:,} pages per platform from the local fakes, client rate {rate:g} req/s:")
    for platform in PLATFORMS:
        if platform in SETUPS:
            run(platform, pages, rate)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
