"""What follows from changes made outside the app's own pages (the admin, scripts)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from annotations.models import Account
from annotations.teachers import TEACHERS
from annotations.time_zones import SESSION_KEY as TIME_ZONE
from annotations.time_zones import is_time_zone
from annotations.writes import end_teaching, set_time_zone

MUST_CHANGE_PASSWORD = "must_change_password"  # the session key the middleware reads

User = get_user_model()


@receiver(user_logged_in)
def ask_for_own_password(sender, request, user, **kwargs):
    """A log-in with a password a teacher made must choose a new one first. The first
    log-in keeps the zone the browser reported (the hidden field of the log-in and sign-up
    forms); later ones show times in the zone the account has."""
    account = Account.objects.filter(user=user).first()
    if account and account.must_change_password:
        request.session[MUST_CHANGE_PASSWORD] = True
    if account is None or not account.time_zone:
        detected = request.POST.get("time_zone") if request.method == "POST" else None
        if is_time_zone(detected):
            account = set_time_zone(user=user, time_zone=detected)
    request.session[TIME_ZONE] = account.time_zone if account else ""


@receiver(user_logged_out)
def say_logged_out(sender, request, user, **kwargs):
    """The library, where a log-out lands, says so: on a shared classroom computer the
    next person should know the last one's work is closed."""
    if request is not None and user is not None:
        # Silently without the messages middleware (the test client's logout()).
        messages.info(request, "You are logged out.", fail_silently=True)


@receiver(m2m_changed, sender=User.groups.through)
def end_teaching_with_the_group(sender, instance, action, reverse, pk_set, **kwargs):
    """Taken out of the Teachers group, from either side, a person teaches no class."""
    if action == "pre_clear":
        # pk_set is not given for a clear: remember whom it concerns.
        if reverse:
            instance._teachers_before_clear = list(instance.user_set.all())
        else:
            teacher = instance.groups.filter(name=TEACHERS).exists()
            instance._teachers_before_clear = [instance] if teacher else []
        return
    if action == "post_clear":
        people = getattr(instance, "_teachers_before_clear", [])
        if reverse and instance.name != TEACHERS:
            return
    elif action == "post_remove":
        if reverse:
            if instance.name != TEACHERS:
                return
            people = User.objects.filter(pk__in=pk_set)
        elif Group.objects.filter(pk__in=pk_set, name=TEACHERS).exists():
            people = [instance]
        else:
            return
    else:
        return
    for person in people:
        if not person.groups.filter(name=TEACHERS).exists():
            end_teaching(user=person)
