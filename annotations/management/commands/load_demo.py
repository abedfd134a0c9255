from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotations.demo import create_demo_accounts, create_demo_classroom, demo_logins_text


class Command(BaseCommand):
    help = "Create the demo accounts (development only: refuses to run with DEBUG off)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the database already has any user.",
        )
        parser.add_argument(
            "--site",
            default="http://127.0.0.1:8000",
            help="The site's address, for the join link it prints.",
        )

    def handle(self, *args, if_empty: bool = False, site: str = "", **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo accounts share a published password, so they are for development only. "
                "Set DEBUG=1 to create them."
            )
        if if_empty and get_user_model().objects.exists():
            self.stdout.write("Users exist already: demo accounts not loaded.")
        else:
            created = create_demo_accounts()
            self.stdout.write(f"Demo accounts created: {', '.join(created) or 'none (all exist)'}.")
            try:
                if create_demo_classroom():
                    self.stdout.write(
                        "Demo class History 101 created, with an assignment due in a week."
                    )
            except LookupError as err:
                self.stdout.write(f"Demo class not created: {err}")
        self.stdout.write(demo_logins_text(site))
