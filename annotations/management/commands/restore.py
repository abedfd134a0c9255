from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.template.defaultfilters import pluralize

from annotations.models import Highlight
from korea_reader import backup


class Command(BaseCommand):
    help = (
        "Replace the app's database with a backup made by `backup` (pg_restore, in one "
        "transaction). A database that holds highlights or users needs --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="A file written by `backup`.")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Go ahead even though the database holds highlights or users.",
        )

    def handle(self, *args, file: Path, yes: bool = False, **options):
        database = connection.settings_dict
        try:
            backup.check_dump(file)
        except backup.BackupError as err:
            raise CommandError(str(err)) from None
        held = work_held()
        if any(held.values()) and not yes:
            raise CommandError(
                f"{backup.describe(database)} holds {summary(held)}. Restoring replaces "
                f"them with the backup's. To go ahead, run again with --yes "
                f"(make restore FILE={file} CONFIRM=yes)."
            )
        try:
            backup.restore(database, file)
        except backup.BackupError as err:
            raise CommandError(
                f"{err}\nThe restore ran in one transaction, so the database is as it was."
            ) from None
        self.stdout.write(
            f"Restored {file} into {backup.describe(database)}: {summary(work_held())}."
        )


def work_held() -> dict[str, int]:
    """How many highlights and users the database holds; none before it is migrated."""
    tables = connection.introspection.table_names()
    return {
        label: model.objects.count() if model._meta.db_table in tables else 0
        for label, model in [("highlight", Highlight), ("user", get_user_model())]
    }


def summary(held: dict[str, int]) -> str:
    return " and ".join(f"{count:,} {label}{pluralize(count)}" for label, count in held.items())
