"""Make our LTI key pair if there is none active (`make run` and deployments run this).

The pair lives in the database (django-lti's Key), never in the repository. To rotate:
`manage.py rotate_keys --deactivate-after N` makes a new pair, which signs from then on,
and takes out of the JWKS the keys older than N days (default 7): platforms that cached
the old key still verify with it meanwhile.
"""

from django.core.management.base import BaseCommand
from lti_tool.models import Key


class Command(BaseCommand):
    help = "Creates an LTI key pair unless one is active (rotate with rotate_keys)."

    def handle(self, *args, **options) -> None:
        if Key.objects.active().exists():
            self.stdout.write("An LTI key pair is active; nothing to do.")
            return
        key = Key.objects.generate()
        self.stdout.write(self.style.SUCCESS(f"Created LTI key {key}."))
