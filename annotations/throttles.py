"""Throttles, and the limits on what one account may write.

Before people have an account, only what can be abused is counted: wrong join codes per
address (so a class of thirty behind one school address, all with the right code, is
never held up), and sign-ups per address and per class code; and wrong access tokens per
address (annotations/tokens.py). The rates are settings (JOIN_FAILURES_PER_ADDRESS,
SIGNUPS_PER_ADDRESS, SIGNUPS_PER_CODE, TOKEN_FAILURES_PER_ADDRESS; see docs/DEPLOY.md).

Every view that writes carries `@write_limit(name)`: the account's requests are counted
by its pk at the rate WRITE_LIMITS[name]. The caps that do not pass with time (highlights
on one article) or pass slowly (new tags a day) are checked in the writes themselves
(annotations/writes.py), which raise LimitReached; the decorator answers both the same
way: 429, with what was refused, when to try again, and that nothing was changed.

Counts are kept in fixed windows, in the database cache "counts" (korea_reader/cache.py,
an unlogged table), which adds to a window's counter in one statement: every write pays
that one round trip, and no flush of PostgreSQL's write-ahead log for it.
"""

import hashlib
import time
import zlib
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse

from korea_reader.client_ip import client_ip

UNSAFE = ("DELETE", "PATCH", "POST", "PUT")  # the methods a write limit counts by default
ALL = None  # every method: exports count their GETs
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Usage:
    """A window's count for one key, with its limit and the seconds left in it."""

    count: int
    limit: int
    time_left: int

    @property
    def reached(self) -> bool:
        """No more may come in this window."""
        return self.count >= self.limit

    @property
    def passed(self) -> bool:
        """The one just counted came past the limit."""
        return self.count > self.limit


def _split_rate(rate: str) -> tuple[int, int]:
    """'30/m' -> (30, 60); '5/10m' -> (5, 600)."""
    count, period = rate.split("/")
    return int(count), int(period[:-1] or 1) * _SECONDS[period[-1]]


def _usage(group: str, who: str, rate: str, *, count: int = 0) -> Usage:
    """`who`'s usage of `group` at `rate`, first counting `count` more. Windows are fixed,
    and each key's ends at a second of its own (from a hash of `who`), so that not every
    counter starts again at once."""
    limit, period = _split_rate(rate)
    now = int(time.time())
    end = now - now % period + zlib.crc32(who.encode()) % period
    if end < now:
        end += period
    name = f"{group}|{rate}|{who}|{end}"
    key = "rl:" + hashlib.sha256(name.encode()).hexdigest()
    # A second past the window's end: a request in its last second still finds it.
    counts = caches["counts"]
    used = counts.count(key, end - now + 1, count) if count else counts.get(key, 0)
    return Usage(used, limit, end - now)


def wrong_codes_reached(request: HttpRequest) -> bool:
    return _usage("join-wrong-code", client_ip(request), settings.JOIN_FAILURES_PER_ADDRESS).reached


def count_wrong_code(request: HttpRequest) -> None:
    _usage("join-wrong-code", client_ip(request), settings.JOIN_FAILURES_PER_ADDRESS, count=1)


def sign_ups_reached(request: HttpRequest, code: str) -> bool:
    by_address = _usage("sign-up-address", client_ip(request), settings.SIGNUPS_PER_ADDRESS)
    return by_address.reached or _usage("sign-up-code", code, settings.SIGNUPS_PER_CODE).reached


def count_sign_up(request: HttpRequest, code: str) -> None:
    _usage("sign-up-address", client_ip(request), settings.SIGNUPS_PER_ADDRESS, count=1)
    _usage("sign-up-code", code, settings.SIGNUPS_PER_CODE, count=1)


def token_failures_reached(request: HttpRequest) -> bool:
    rate = settings.TOKEN_FAILURES_PER_ADDRESS
    return _usage("token-failure", client_ip(request), rate).reached


def count_token_failure(request: HttpRequest) -> None:
    _usage("token-failure", client_ip(request), settings.TOKEN_FAILURES_PER_ADDRESS, count=1)


def too_many_token_failures(request: HttpRequest) -> JsonResponse:
    count, period = _period(settings.TOKEN_FAILURES_PER_ADDRESS)
    per = period if period.startswith(("a ", "an ")) else f"in {period}"
    return _too_many_json(
        f"Too many wrong tokens came from this address: at most {count} {per}.",
        _try_again(period),
    )


def _too_many_json(what: str, when: str) -> JsonResponse:
    description = " ".join(part for part in (what, when, "Nothing was changed.") if part)
    body = {"error": "too_many_requests", "error_description": description}
    return JsonResponse(body, status=429)


def too_many(request: HttpRequest, what: str, when: str = "") -> HttpResponse:
    """429, in the site's own page: what was refused and what to do.

    For htmx, the message alone, put at the top of the form that was sent (base.html lets
    a 429 be swapped): the form and what was typed in it stay as they were. For a tool
    (one sending a token, annotations/tokens.py, or one that does not take HTML, as the
    Web Annotation Protocol's clients) the same words as JSON, in one shape for both.
    """
    if getattr(request, "token", None) is not None or not request.accepts("text/html"):
        return _too_many_json(what, when)
    context = {"what": what, "when": when}
    if request.htmx:
        response = TemplateResponse(request, "429.html#message", context, status=429)
        response["HX-Retarget"] = "this"
        response["HX-Reswap"] = "afterbegin"
        return response
    return TemplateResponse(request, "429.html", context, status=429)


class LimitReached(Exception):
    """A write refused by a cap; nothing of it is saved."""

    def __init__(self, what: str, when: str):
        super().__init__(what)
        self.what = what
        self.when = when


# What each limit refuses, in the words of its message.
WRITE_LIMIT_WORDS = {
    "highlights": "Saving, changing or deleting highlights",
    "replies": "Posting, editing or deleting replies",
    "notifications": "Marking notifications read",
    "hides": "Hiding and showing highlights",
    "marks": "Marking highlights “Same question” or “Helpful”, and replies as answers",
    "glossary": "Changing the glossary",
    "corrections": "Correcting articles",
    "classes": "Changing classes, assignments and students",
    "class_tags": "Changing a class's tags",
    "roster": "Adding students",
    "imports": "Importing annotations",
    "joins": "Joining classes",
    "account": "Changing your account",
    "exports": "Exports",
    "password_resets": "Asking for password-reset mail",
    "lti_platforms": "Registering learning platforms",
    "lti": "Launches from the LMS",
    "tokens": "Making and revoking access tokens",
    "annotations": "Writing annotations through the Web Annotation Protocol",
}
_UNITS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}


def _period(rate: str) -> tuple[int, str]:
    """'30/m' -> (30, 'a minute'); '5/10m' -> (5, '10 minutes'); '1/h' -> (1, 'an hour')."""
    count, period = rate.split("/")
    multiple, unit = period[:-1], _UNITS[period[-1]]
    if multiple:
        return int(count), f"{multiple} {unit}s"
    return int(count), f"an {unit}" if unit == "hour" else f"a {unit}"


def _try_again(period: str) -> str:
    return "Try again tomorrow." if period == "a day" else f"Try again in {period}."


def _account_or_address(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return f"account:{request.user.pk}"
    return f"address:{client_ip(request)}"


def write_limit(name: str, *, methods=UNSAFE, by_address: bool = False):
    """Count the account's requests (`methods`: the writes; exports count every GET) at
    the rate WRITE_LIMITS[name]; 429 past it. Someone not logged in is counted by address
    only with `by_address` (joins and sign-ups have their own throttles above)."""

    def decorator(view):
        @wraps(view)
        def limited(request: HttpRequest, *args, **kwargs):
            if request.user.is_authenticated or by_address:
                refusal = _over_limit(request, name, methods)
                if refusal is not None:
                    return refusal
            try:
                return view(request, *args, **kwargs)
            except LimitReached as limit:
                return too_many(request, limit.what, limit.when)

        limited.write_limit = name
        return limited

    return decorator


def _over_limit(request: HttpRequest, name: str, methods) -> HttpResponse | None:
    if methods is not ALL and request.method not in methods:
        return None
    rate = settings.WRITE_LIMITS[name]
    usage = _usage(f"write:{name}", _account_or_address(request), rate, count=1)
    if not usage.passed:
        return None
    count, period = _period(rate)
    per = period if period.startswith(("a ", "an ")) else f"in {period}"
    what = f"{WRITE_LIMIT_WORDS[name]}: at most {count} {per}, and that many came just now."
    response = too_many(request, what, _try_again(period))
    response["Retry-After"] = str(max(usage.time_left, 1))
    return response


def count_new_tags(owner, names: int) -> None:
    """Count `names` new tags made by `owner` today, or raise LimitReached (and count
    nothing) if they would pass NEW_TAGS_PER_DAY. Called inside the write's transaction:
    the counter lives in the same database, so a write undone is not counted either."""
    if not names:
        return
    rate = f"{settings.NEW_TAGS_PER_DAY}/d"
    usage = _usage("new-tags", str(owner.pk), rate)
    if usage.count + names > usage.limit:
        raise LimitReached(
            f"You have made {usage.count} new tags today, and one account may make "
            f"{usage.limit} a day. Tags already in use are always free to use.",
            "Try again tomorrow, or choose tags from the suggestions.",
        )
    _usage("new-tags", str(owner.pk), rate, count=names)
