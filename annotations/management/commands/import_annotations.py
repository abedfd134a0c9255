import json

from django.core.management.base import BaseCommand, CommandError

from annotations.importing import annotations_in, import_annotations


class Command(BaseCommand):
    help = (
        "Import W3C Web Annotation JSON-LD exported by Korea Reader (export_annotations "
        "--format jsonld). Importing twice adds nothing; what cannot be placed is kept as "
        "orphaned or reported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .jsonld file to import.")

    def handle(self, *args, file: str, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                annotations = annotations_in(json.load(handle))
        except (OSError, ValueError) as err:
            raise CommandError(f"Cannot read {file}: {err}") from err
        report = import_annotations(annotations, progress=self._progress)
        self.stdout.write(str(report))

    def _progress(self, done: int, total: int) -> None:
        if self.stderr.isatty() and (done % 100 == 0 or done == total):
            self.stderr.write(f"\r{done:,}/{total:,} annotations", ending="")
            if done == total:
                self.stderr.write("")
