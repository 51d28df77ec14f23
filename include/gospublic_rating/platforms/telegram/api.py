"""Telegram through the TGStat API: channel info and the period's posts with their counters.

Wire format (GET, query parameters, the account's ``token`` among them; every answer is JSON
``{"status": "ok", "response": ...}`` or ``{"status": "error", "error": "<code>"}``):

``channels/get``  ``channelId`` (``@username``, ``t.me/username`` or TGStat's id)
    → ``response``: the Channel object: ``id``, ``link``, ``username`` (``@name``), ``title``,
    ``participants_count`` (subscribers at the time of the request), ``tgstat_restrictions``,
    ``rkn_verification``, ...
``channels/posts``  ``channelId``, ``limit`` (at most 50), ``offset``, ``startTime`` /
    ``endTime`` (unix seconds: publication date from / to), ``hideForwards``, ``hideDeleted``
    (0|1), ``extended`` → ``response``: ``count``, ``total_count``, ``items`` (Post objects,
    newest first): ``id`` (TGStat's post id), ``date`` (unix seconds), ``views``, ``link``
    (``t.me/username/<message id>``), ``channel_id``, ``forwarded_from``, ``is_deleted``,
    ``group_id``, ... and, in the current Post object, ``shares_count``, ``comments_count``,
    ``reactions_count``.
``posts/stat-multi``  ``channelId``, ``postsIds`` (comma-separated TGStat post ids, at most
    50) → ``response``: a list of ``{postId, viewsCount, sharesCount, commentsCount,
    reactionsCount}``.

Mapping to the contract (docs/methodology.md, "Inputs"):
* ``followers`` = ``participants_count``; status ``active``; an answer with error
  ``channel_not_found`` gives status ``not_found`` and the run goes on with the next page.
  TGStat documents no deleted / banned / private state of a channel, so those never occur here.
* ``platform_gov_mark`` = null: TGStat's Channel object has no government-organisation mark
  (``rkn_verification`` is the registration of large channels with Roskomnadzor and
  ``tgstat_restrictions`` are TGStat's own red / black labels; neither is that mark).
* ``views`` = ``views``; ``likes`` = ``reactions_count`` (summed when given per emoji);
  ``comments`` = ``comments_count``; ``reposts`` = ``shares_count``, the number of times the
  post was forwarded (Telegram's ``forwards`` counter; TGStat's ``forwardsCount`` of
  ``posts/stat`` counts only reposts into channels TGStat knows, and is not used). A missing
  or null counter counts as 0.
* ``post_id`` = the Telegram message id from ``link`` (TGStat's id when there is no link).
* Posts deleted from Telegram (``is_deleted`` = 1) are asked away (``hideDeleted=1``) and
  dropped anyway; reposts from other channels are posts of the page and are kept.

Where the documentation is thin or was not at hand (the official pages were read through
client libraries that cite them; only api.tgstat.ru/docs/ru/posts/stat.html was read directly):
* The Post object of older documentation (api.tgstat.ru/docs/ru/objects/Post.html) has no
  ``shares_count`` / ``comments_count`` / ``reactions_count``; the current one has them. When
  an item of the period lacks any of them, :class:`TgstatExtractor` asks ``posts/stat-multi``
  for those posts. No field named ``forwards_count`` exists on a Post.
* Reactions come as one count (``reactions_count`` / ``reactionsCount``); per-emoji counts are
  not documented, but a mapping or list of them is summed should one appear.
* The bound semantics of ``startTime`` / ``endTime`` is not documented: the extractor sends
  the period's bounds (``endTime`` = the first second after the period) and :func:`parse`
  keeps ``period.start_utc <= date < period.end_utc``.
* The greatest ``offset`` of ``channels/posts`` is not documented for that method (1000 for
  the search methods); past :data:`MAX_OFFSET` the extractor moves ``endTime`` back to the
  oldest post seen and starts again at offset 0.
* No request rate is documented; ``flood_control_10`` / ``flood_control_60`` answer calls
  that come too often. :data:`DEFAULT_RATE` is a cautious guess; set ``rate`` in the
  connection's extra (or the ``rate`` argument) to change it.
* ``channel_not_found`` is not on the errors page as client libraries copy it; it is the code
  client code handles for an unknown channel. Whether TGStat answers it with HTTP 200 or 4xx
  does not matter here (the body is read either way, except 401/403, which mean AuthError).

Errors (``error`` codes of api.tgstat.ru/docs/ru/errors.html): ``empty_token`` /
``token_invalid`` → :class:`AuthError`; ``flood_control_*`` → :class:`ThrottledError`
(retried); ``quota_*`` and ``no_active_subscription`` → :class:`QuotaError` saying what ran
out; ``outdated_statistics`` / ``unknown_error`` → :class:`TransientError` (retried); any
other code (``wrong_method`` ...) → :class:`ApiError` naming it.

The token travels only in the query string (TGStat takes it nowhere else). JsonApi keeps it
out of its messages and the landing archive redacts ``token``; request lines that urllib3
logs at DEBUG are redacted by the filter that :mod:`.http` installs.
"""

from __future__ import annotations

from typing import Any

from ...extract.http import ApiAccount, ApiError, AuthError, JsonApi, QuotaError, ThrottledError, TransientError
from .. import PLATFORMS

PLATFORM = "telegram"
RECORD = PLATFORMS[PLATFORM]
CONN_ID = RECORD.conn_id
DEFAULT_HOST = "https://api.tgstat.ru"
DEFAULT_RATE = RECORD.default_rate  # requests per second; TGStat documents no limit, only flood_control answers
PAGE_LIMIT = 50  # largest ``limit`` of channels/posts
MAX_OFFSET = 1000  # offsets at or past this move the time window instead
STAT_MULTI_MAX = 50  # post ids per posts/stat-multi call

COUNTERS = ("shares_count", "comments_count", "reactions_count")
MULTI_KEYS = {
    "views": "viewsCount",
    "shares_count": "sharesCount",
    "comments_count": "commentsCount",
    "reactions_count": "reactionsCount",
}

NOT_FOUND = "channel_not_found"
_AUTH = {"empty_token": "no token was sent", "token_invalid": "the token is invalid"}
_THROTTLE = {"flood_control_10", "flood_control_60"}
_QUOTA = {
    "quota_requests_reached": "the monthly quota of requests is used up",
    "quota_channel_reached": "the monthly quota of unique channels is used up",
    "quota_keywords_reached": "the monthly quota of unique keywords is used up",
    "quota_foreign_channel": "the plan only serves channels confirmed by their owner",
    "no_active_subscription": "the account has no active API subscription",
}
_TRANSIENT = {"outdated_statistics", "unknown_error"}


class TgstatApi(JsonApi):
    """The TGStat API: the token goes in the ``token`` query parameter, errors in the body."""

    platform = PLATFORM

    def __init__(self, account: ApiAccount, *, rate: float = DEFAULT_RATE, **options: Any):
        super().__init__(account, rate=rate, **options)

    conn_id, default_host, default_rate = CONN_ID, DEFAULT_HOST, DEFAULT_RATE

    def authenticate(self, params: dict[str, Any]) -> dict[str, Any]:
        if not self.account.token:
            raise AuthError(f"TGStat: no token configured (put it in the password of the connection {CONN_ID!r})")
        return {**params, "token": self.account.token}

    def check(self, body: Any, method: str) -> Any:
        """The body of an ``ok`` answer or of ``channel_not_found``; raise for any other error."""
        if not isinstance(body, dict) or "status" not in body:
            raise TransientError(f"TGStat {method}: an answer without status ({type(body).__name__})")
        if body["status"] == "ok":
            if "response" not in body:
                raise TransientError(f"TGStat {method}: an ok answer without response")
            return body
        code = str(body.get("error") or "unknown_error")
        if body["status"] != "error":
            raise TransientError(f"TGStat {method}: unexpected status {self.scrub(str(body['status']))[:40]!r}")
        if code == NOT_FOUND:
            return body
        if code in _AUTH:
            raise AuthError(
                f"TGStat {method}: {_AUTH[code]} (error {code!r}); check the password of the "
                f"Airflow connection {CONN_ID!r}"
            )
        if code in _THROTTLE:
            raise ThrottledError(f"TGStat {method}: calls too frequent (error {code!r})")
        if code in _QUOTA:
            raise QuotaError(
                f"TGStat quota exhausted: {_QUOTA[code]} (error {code!r} from {method}). Retrying in this "
                "run cannot help: wait for the quota to renew or raise the plan, then run the extraction "
                "again (finished batches are kept)."
            )
        if code in _TRANSIENT:
            raise TransientError(f"TGStat {method}: temporary error {code!r}")
        raise ApiError(f"TGStat {method}: error {self.scrub(code)[:120]!r}")

    def get(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        return self.call(method, params, http="GET")
