"""Extraction from the platforms' APIs (VK, OK, Telegram through TGStat).

Shared pieces: :mod:`.http` (paced, retried JSON calls with the token kept out of every
log line, exception and file), :mod:`.landing` (the archive of raw responses, per batch).
One module per platform turns a batch of pages into API calls and landing records, and
landing records alone into the contract's page_stats and posts rows.
"""
