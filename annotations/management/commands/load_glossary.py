from django.core.management.base import BaseCommand, CommandError

from annotations.loading import FixtureError, load_glossary


class Command(BaseCommand):
    help = "Load the glossary from fixtures/glossary.json and recompute mentions (idempotent)."

    def handle(self, *args, **options):
        try:
            report = load_glossary()
        except FixtureError as err:
            raise CommandError(f"The glossary fixture is inconsistent: {err}") from err
        self.stdout.write(f"Glossary entries: {report}.")
