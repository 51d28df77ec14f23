"""Benchmark: extracting 10,000 VK pages from a local server that enforces a rate limit.

Prints the API calls made against the minimum possible (goal <= 1.05 x) and the request
rate achieved against the limit (goal >= 90 %). Run: `make bench` (or directly with
PYTHONPATH=include:tests). Asserts nothing; it is not collected by pytest.
"""

from __future__ import annotations

import math
import random
import sys
import time

from fakes.vk_server import FakeVk
from gospublic_rating.extract.http import ApiAccount
from gospublic_rating.extract.landing import LandingBatch
from gospublic_rating.period import Period
from gospublic_rating.platforms.vk.api import VkApi
from gospublic_rating.platforms.vk.planner import VkExtractor

PAGES = 10_000
LIMIT = 3.0  # requests per second the server allows: VK's own limit per token
BATCH = 500  # groups.getById's largest request
WALL_PAGE = 100  # posts per wall.get
EXECUTE = 25  # wall.get calls per execute
PERIOD = Period(2026, 10)


def make_groups(seed: int = 7) -> tuple[dict[int, dict], int]:
    """Groups with heavy-tailed posting, some dead; and the minimum number of wall.get calls."""
    rng = random.Random(seed)
    start, end = int(PERIOD.start_utc.timestamp()), int(PERIOD.end_utc.timestamp())
    groups, wall_gets = {}, 0
    for gid in range(1, PAGES + 1):
        group = {"members_count": rng.randint(0, 50_000), "is_government_organization": True}
        if rng.random() < 0.03:
            group["deactivated"] = rng.choice(["deleted", "banned"])
        else:
            in_period = min(400, int(rng.lognormvariate(2.6, 1.0))) if rng.random() > 0.1 else 0
            newer = rng.randint(0, 5)  # posted after the period, before the run
            older = rng.randint(0, 150)
            dates = (
                [rng.randint(end, end + 86_400) for _ in range(newer)]
                + [rng.randint(start, end - 1) for _ in range(in_period)]
                + [rng.randint(start - 400 * 86_400, start - 1) for _ in range(older)]
            )
            dates.sort(reverse=True)
            group["posts"] = [{"id": len(dates) - i, "date": d, "views": 10} for i, d in enumerate(dates)]
            # newest first: the calls needed reach the first post older than the period
            needed = newer + in_period + (1 if older else 0)
            wall_gets += max(1, math.ceil(needed / WALL_PAGE))
        groups[gid] = group
    return groups, wall_gets


def main() -> int:
    groups, min_wall_gets = make_groups()
    minimum = math.ceil(PAGES / BATCH) + math.ceil(min_wall_gets / EXECUTE)
    pages = [(f"vk:{gid}", str(gid)) for gid in groups]
    with FakeVk(groups, token="bench-token", rate_limit=LIMIT) as server:
        api = VkApi(ApiAccount(server.url + "/method", "bench-token"), rate=LIMIT)
        extractor = VkExtractor(api)
        started = time.monotonic()
        for first in range(0, PAGES, BATCH):
            batch = LandingBatch("vk", first // BATCH, str(PERIOD), [list(p) for p in pages[first : first + BATCH]])
            extractor.fetch(batch, pages[first : first + BATCH], PERIOD)
        elapsed = time.monotonic() - started
        requests = len(server.requests)
        throttled = sum(1 for answer in server.answers if answer != "ok")
    rate = requests / elapsed
    print(f"VK extraction of {PAGES:,} pages against a local server limited to {LIMIT:g} requests/s:")
    print(
        f"  API calls {requests:,} (client counted {api.calls:,}); minimum possible {minimum:,} "
        f"({math.ceil(PAGES / BATCH)} groups.getById + {math.ceil(min_wall_gets / EXECUTE)} execute "
        f"for {min_wall_gets:,} wall.get): {requests / minimum:.3f} x (goal <= 1.05 x)"
    )
    print(
        f"  achieved {rate:.2f} requests/s = {rate / LIMIT:.1%} of the limit (goal >= 90 %) "
        f"in {elapsed:.1f} s; {throttled} answers were throttled"
    )
    latency = sum(b["at"] - a["at"] for a, b in zip(server.requests, server.requests[1:], strict=False))
    print(
        f"  mean gap between requests {latency / max(1, requests - 1) * 1000:.0f} ms "
        f"(the pacer's interval: {1000 / LIMIT:.0f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
