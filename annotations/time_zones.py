"""Whose time: each person sees times in their own zone, a class takes due dates in its.

Times are stored in UTC. A person's zone (an IANA name on their Account) is detected from
the browser at the first log-in and changed on /accounts/; the session keeps it, so that
a request costs no query. Anonymous readers, and anyone without one, see settings.TIME_ZONE.
"""

import zoneinfo

from django import forms
from django.http import HttpRequest
from django.utils import timezone

from annotations.models import Account
from annotations.validators import time_zone_names, validate_time_zone

SESSION_KEY = "time_zone"  # the viewer's zone name, "" for none chosen
CHOOSE = "Choose a time zone from the list, such as America/New_York or Asia/Seoul."


def is_time_zone(name) -> bool:
    return isinstance(name, str) and name in time_zone_names()


def viewer_time_zone(request: HttpRequest) -> str:
    """The name of the zone the viewer chose, or "" (then settings.TIME_ZONE applies)."""
    if not request.user.is_authenticated:
        return ""
    name = request.session.get(SESSION_KEY)
    if name is None:  # a session from before zones, or one made without logging in
        account = Account.objects.filter(user=request.user).first()
        name = account.time_zone if account else ""
        request.session[SESSION_KEY] = name
    return name if is_time_zone(name) else ""


def describe(name: str) -> str:
    """ "America/New_York (EST)": the name, and the abbreviation it has now."""
    abbreviation = timezone.now().astimezone(zoneinfo.ZoneInfo(name)).tzname()
    return name if abbreviation == name else f"{name} ({abbreviation})"


def zones_of_form(classroom) -> dict:
    """For a teacher's form: the class's zone, and the one the viewer sees times in."""
    return {
        "class_zone": describe(classroom.time_zone),
        "your_zone": describe(timezone.get_current_timezone_name()),
    }


def remember_time_zone(request: HttpRequest, name: str) -> None:
    """The zone this session shows, from now on (and for this request)."""
    request.session[SESSION_KEY] = name
    timezone.activate(zoneinfo.ZoneInfo(name))


class TimeZoneField(forms.ChoiceField):
    """A list of the IANA names ("America/New_York" shown as "America/New York")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid_choice": CHOOSE, "required": CHOOSE})
        super().__init__(
            choices=[(name, name.replace("_", " ")) for name in time_zone_names()],
            validators=[validate_time_zone],
            **kwargs,
        )


class ZonedDateTimeField(forms.DateTimeField):
    """A date and time typed, and shown, in a given zone rather than the viewer's."""

    def __init__(self, *, time_zone: str | None = None, **kwargs):
        self.time_zone = time_zone
        super().__init__(**kwargs)

    def _zone(self):
        if is_time_zone(self.time_zone):
            return timezone.override(zoneinfo.ZoneInfo(self.time_zone))
        return timezone.override(timezone.get_current_timezone())

    def prepare_value(self, value):
        with self._zone():
            return super().prepare_value(value)

    def to_python(self, value):
        with self._zone():
            return super().to_python(value)
