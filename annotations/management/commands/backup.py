from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from korea_reader import backup


class Command(BaseCommand):
    help = (
        "Back up the app's database (DATABASE_URL or the embedded server) with pg_dump, in "
        "its custom format, to backups/korea-reader-YYYYMMDD-HHMMSS.dump or --output."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", type=Path, help="The file to write.")

    def handle(self, *args, output: Path | None = None, **options):
        path = output or backup.default_path(timezone.localtime())
        try:
            size = backup.dump(connection.settings_dict, path)
        except backup.BackupError as err:
            raise CommandError(str(err)) from None
        self.stdout.write(
            f"Backed up {backup.describe(connection.settings_dict)} to {path} ({size:,} bytes)."
        )
