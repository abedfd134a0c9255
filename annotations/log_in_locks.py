"""A cap on failed log-ins per user name, whatever the address (issue 15, finding 1).

django-axes locks a user name *at one address* after AXES_FAILURE_LIMIT failures, so a
class behind one school address is never locked out by one guesser. That does not stop a
guesser whose every guess comes from a new address (a proxy that passes the client's own
X-Forwarded-For on, many machines, many IPv6 networks). This does: axes counts the
failures (its AccessAttempt rows, one per user name, address and browser), and when those
of one user name from anywhere within AXES_COOLOFF_TIME reach LOGIN_FAILURES_PER_USERNAME,
the name is locked everywhere, a made-up name just as an account's.

The lock holds until the password changes, by whatever path (a reset by mail, the
teacher's "New password", /accounts/, the admin): it keeps Django's session hash of the
password it was made with, and a lock whose password has changed since is lifted the
next time anyone tries the name. The class's teacher can also lift it ("Unlock log-in").
Lifting also ends axes' locks of that name at each address.
"""

import logging

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from annotations.models import LogInLock
from annotations.writes import lift_log_in_lock

log = logging.getLogger(__name__)


def password_fingerprint(username: str) -> str:
    user = get_user_model()._default_manager.filter(username=username).first()
    return user.get_session_auth_hash() if user else ""


def lock_holds(username: str) -> bool:
    """Whether the name is locked everywhere; a lock whose password has changed since it
    was made is lifted here."""
    lock = LogInLock.objects.filter(username=username).first()
    if lock is None:
        return False
    if lock.password_fingerprint == password_fingerprint(username):
        return True
    lift_log_in_lock(username=username)
    return False


def failures_everywhere(request: HttpRequest, username: str) -> int:
    """Axes' count of the name's failures within its cool-off, from every address."""
    attempts = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=get_cool_off_threshold(request)
    )
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def locked_out(users) -> set[int]:
    """Which of `users` cannot log in now, everywhere or from some address: for the
    teacher's class page."""
    by_name = {user.username: user for user in users}
    if not by_name:
        return set()
    limit = settings.AXES_FAILURE_LIMIT
    at_an_address = (
        AccessAttempt.objects.filter(
            username__in=by_name, attempt_time__gte=timezone.now() - get_cool_off()
        )
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=limit)
        .values_list("username", flat=True)
    )
    everywhere = [
        lock.username
        for lock in LogInLock.objects.filter(username__in=by_name)
        if lock.password_fingerprint == by_name[lock.username].get_session_auth_hash()
    ]
    return {by_name[name].pk for name in [*at_an_address, *everywhere]}


class LogInLockHandler(AxesDatabaseHandler):
    """Axes' database handler, with the lock of a user name everywhere on top of its lock
    of a user name at one address (settings.AXES_HANDLER)."""

    def is_locked(self, request, credentials=None) -> bool:
        username = get_client_username(request, credentials)
        return bool(username and lock_holds(username)) or super().is_locked(request, credentials)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        username = get_client_username(request, credentials) if request else None
        if not username:
            return
        failures = failures_everywhere(request, username)
        if failures >= settings.LOGIN_FAILURES_PER_USERNAME:
            _, made = LogInLock.objects.get_or_create(
                username=username,
                defaults={"password_fingerprint": password_fingerprint(username)},
            )
            if made:  # without the name, which axes keeps out of the log too
                log.warning("A user name is locked everywhere after %d failures.", failures)
            request.axes_locked_out = True
            request.axes_credentials = credentials


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """The lock page (settings.AXES_LOCKOUT_CALLABLE): axes' own context, and whether the
    lock is everywhere, which says what to do about it."""
    username = get_client_username(request, credentials) or ""
    context = {
        "username": username,
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_timedelta": get_cool_off(request),
        "everywhere": bool(username) and LogInLock.objects.filter(username=username).exists(),
        "email_configured": settings.EMAIL_CONFIGURED,
    }
    status = settings.AXES_HTTP_RESPONSE_CODE
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=status)
