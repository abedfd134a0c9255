from django.core.management.base import BaseCommand

from annotations.glossary import recompute_mentions


class Command(BaseCommand):
    help = "Recompute where glossary entries are mentioned in each document."

    def handle(self, *args, **options):
        for slug, count in recompute_mentions().items():
            self.stdout.write(f"{slug}: {count} mentions")
