from django.core.management.base import BaseCommand, CommandError

from annotations.loading import FixtureError, load_documents


class Command(BaseCommand):
    help = "Load the articles from fixtures/ (idempotent: running it twice changes nothing)."

    def handle(self, *args, **options):
        try:
            report = load_documents()
        except FixtureError as err:
            raise CommandError(f"The document fixtures are inconsistent: {err}") from err
        self.stdout.write(f"Documents: {report}.")
