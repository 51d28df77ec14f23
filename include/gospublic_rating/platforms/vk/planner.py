"""VK call planner: the calls for a batch of pages, each answer kept in the landing batch.

Calls are kept to the minimum: one ``groups.getById`` per 500 pages (a batch that fails as a
whole with a page-status error is split in halves to isolate the bad id); ``wall.get`` calls
of all pages are packed 25 to an ``execute``; a page's next 100 posts are requested only while
its oldest non-pinned post is still in the period and ``count`` says there are more. When an
``execute`` would otherwise leave slots empty (the tail of a batch), they are filled with the
further pages of posts that a page's posting rate so far says it will need.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ...extract.landing import LandingBatch
from ...period import Period
from .api import (
    CALLS_PER_EXECUTE,
    GROUP_FIELDS,
    GROUPS_PER_CALL,
    PLATFORM,
    POSTS_PER_CALL,
    RUNTIME_ERROR,
    STATUS_BY_CODE,
    THROTTLE_CODES,
    TransientError,
    VkApi,
    VkError,
    VkPageError,
    execute_outcomes,
    group_status,
    groups_of,
    next_offset,
    unpinned_dates,
    wall_script,
)
from .urls import page_key, sent


@dataclass
class _Wall:
    """Paging state of one community's wall during fetch."""

    frontier: int = 0  # the lowest offset still needed
    done: bool = False
    fetched: dict[int, dict] = field(default_factory=dict)
    requested: set[int] = field(default_factory=set)
    attempts: dict[int, int] = field(default_factory=dict)


class VkExtractor:
    platform = PLATFORM

    def __init__(self, api: VkApi, *, prefetch: bool = True):
        self.api = api
        self.prefetch = prefetch

    def fetch(self, batch: LandingBatch, pages: list[tuple[str, str]], period: Period) -> None:
        """Make every call needed for these pages (page_id, platform_page_id), adding each response
        with batch.add(method, params, response)."""
        keys = []
        for _, platform_page_id in pages:
            key = page_key(platform_page_id)
            if key is not None and key not in keys:
                keys.append(key)
        found: dict[tuple[str, Any], dict] = {}
        for i in range(0, len(keys), GROUPS_PER_CALL):
            self._groups(batch, keys[i : i + GROUPS_PER_CALL], found)
        gids: list[int] = []
        for key in keys:
            group = found.get(key)
            if group is not None and group_status(group) == "active" and int(group["id"]) not in gids:
                gids.append(int(group["id"]))
        self._walls(batch, gids, period)

    def _groups(self, batch: LandingBatch, keys: list[tuple[str, Any]], found: dict) -> None:
        params = {"group_ids": ",".join(sent(k) for k in keys), "fields": GROUP_FIELDS}
        try:
            body = self.api.call("groups.getById", params)
        except VkPageError as error:
            batch.add("groups.getById", params, error.body)
            if len(keys) > 1:  # one bad id spoils the call: find it
                half = len(keys) // 2
                self._groups(batch, keys[:half], found)
                self._groups(batch, keys[half:], found)
            return
        batch.add("groups.getById", params, self.api.scrub(body))
        for group in groups_of(body):
            found[("id", int(group["id"]))] = group
            if group.get("screen_name"):
                found[("name", str(group["screen_name"]).lower())] = group

    def _walls(self, batch: LandingBatch, gids: list[int], period: Period) -> None:
        start = int(period.start_utc.timestamp())
        walls = {gid: _Wall(requested={0}) for gid in gids}
        queue: deque[tuple[int, int]] = deque((gid, 0) for gid in gids)
        size = CALLS_PER_EXECUTE
        while queue:
            calls = [queue.popleft() for _ in range(min(size, len(queue)))]
            if self.prefetch and len(calls) < size:
                calls += self._speculate(walls, size - len(calls), start)
            params = {"code": wall_script(calls)}
            try:
                body = self.api.call("execute", params)
            except VkError as error:
                if error.code != RUNTIME_ERROR or len(calls) == 1:
                    raise
                # e.g. "response size is too big": the same calls, fewer at a time
                size = max(1, len(calls) // 2)
                queue.extendleft(reversed(calls))
                continue
            batch.add("execute", params, self.api.scrub(body))
            retry: list[tuple[int, int]] = []
            worst = 0
            for (gid, offset), (result, error) in zip(calls, execute_outcomes(calls, body), strict=True):
                wall = walls[gid]
                if result is not None:
                    wall.fetched[offset] = result
                elif error.get("error_code") in STATUS_BY_CODE:
                    wall.done = True
                elif not wall.done:
                    if error.get("error_code") in THROTTLE_CODES:
                        self.api.note_throttled()
                    wall.attempts[offset] = tries = wall.attempts.get(offset, 0) + 1
                    if tries >= self.api.max_attempts:
                        raise TransientError(
                            f"vk execute/wall.get(owner_id={-gid}, offset={offset}): gave up after {tries} attempts: "
                            f"error {error.get('error_code')} ({self.api.scrub(str(error.get('error_msg', '')))[:200]})"
                        )
                    retry.append((gid, offset))
                    worst = max(worst, tries)
            follow = []
            for gid in dict.fromkeys(gid for gid, _ in calls):
                wall = walls[gid]
                while not wall.done and wall.frontier in wall.fetched:
                    following = next_offset(wall.fetched[wall.frontier], wall.frontier, start)
                    if following is None:
                        wall.done = True
                    else:
                        wall.frontier = following
                if not wall.done and wall.frontier not in wall.requested:
                    wall.requested.add(wall.frontier)
                    follow.append((gid, wall.frontier))
            retry = [(gid, offset) for gid, offset in retry if not walls[gid].done and offset >= walls[gid].frontier]
            # follow-ups and retries first: a deep wall's chain of calls then overlaps the other pages
            queue.extendleft(reversed(retry + follow))
            if worst:
                self.api.sleep(self.api.backoff(worst))

    def _speculate(self, walls: dict[int, _Wall], room: int, start: int) -> list[tuple[int, int]]:
        """Further offsets that open walls will need by their posting rate so far, for empty slots."""
        wanted: list[tuple[int, int, int]] = []  # (rank, gid, offset)
        for gid, wall in walls.items():
            if wall.done or wall.frontier == 0:
                continue
            dates = [d for offset, r in wall.fetched.items() if offset < wall.frontier for d in unpinned_dates(r)]
            if len(dates) < 2 or max(dates) <= min(dates) or min(dates) <= start:
                continue
            rate = (len(dates) - 1) / (max(dates) - min(dates))
            expected = rate * (min(dates) - start)  # posts still to come before the period starts
            last = wall.fetched[max(o for o in wall.fetched if o < wall.frontier)]
            total = int(last.get("count") or 0)
            for k in range(1, CALLS_PER_EXECUTE):
                offset = wall.frontier + k * POSTS_PER_CALL
                if k * POSTS_PER_CALL >= expected or offset >= total:
                    break
                if offset not in wall.requested:
                    wanted.append((k, gid, offset))
        wanted.sort()
        chosen = [(gid, offset) for _, gid, offset in wanted[:room]]
        for gid, offset in chosen:
            walls[gid].requested.add(offset)
        return chosen


def make_extractor(**options: Any) -> VkExtractor:
    """The call planner with the account of the Airflow connection ``vk_api``."""
    return VkExtractor(VkApi.from_connection(**options))
