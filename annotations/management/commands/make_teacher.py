"""Mark accounts as teachers': they may then start classes, keep the glossary and correct
the articles. The same as adding them to the "Teachers" group in the admin."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotations.teachers import TEACHERS, make_teacher


class Command(BaseCommand):
    help = "Add the named accounts to the Teachers group (or --remove them)."

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="+")
        parser.add_argument("--remove", action="store_true", help="take teacher standing away")

    def handle(self, *usernames, remove=False, **options):
        users = list(get_user_model().objects.filter(username__in=usernames))
        missing = sorted(set(usernames) - {user.username for user in users})
        if missing:
            raise CommandError(f"No such account: {', '.join(missing)}. Nothing was changed.")
        for user in users:
            if remove:
                user.groups.remove(*user.groups.filter(name=TEACHERS))
            else:
                make_teacher(user)
        verb = "are no longer" if remove else "are now"
        self.stdout.write(f"{', '.join(sorted(usernames))} {verb} teachers.")
