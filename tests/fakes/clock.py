"""Virtual time for the API client: it moves only when the client sleeps.

    clock = VirtualClock()
    api = VkApi(account, clock=clock, sleep=clock.sleep)
    with FakeVk(groups, clock=clock) as server:  # the server stamps requests with the same time
        ...
    clock.sleeps  # every wait the client asked for (pacing and backoff), in order

Pacing and backoff are then exact and do not depend on how fast the machine is: a request
is stamped with the time the client's pacer let it go, whatever the network took.
"""

from __future__ import annotations

import threading


class VirtualClock:
    def __init__(self, start: float = 1000.0):
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)
