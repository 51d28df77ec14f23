"""What every platform's extraction shares (the platforms themselves: :mod:`gospublic_rating.platforms`).

:mod:`.http` (paced, retried JSON calls with the token kept out of every log line, exception
and file), :mod:`.landing` (the archive of raw responses, per batch; :class:`.landing.MalformedLanding`),
:mod:`.rows` (contract rows of page_stats and posts) and :mod:`.counters` (``counter``, ``to_int``).
"""
