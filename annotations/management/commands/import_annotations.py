import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotations.importing import Owners, annotations_in, import_annotations
from annotations.validators import MAX_IMPORT_BYTES


class Command(BaseCommand):
    help = (
        "Import W3C Web Annotation JSON-LD exported by Korea Reader (export_annotations "
        "--format jsonld), or annotations other tools made (Hypothesis' API JSON and "
        "JSON-LD, Recogito's and other W3C Web Annotation JSON; docs/EXPORT.md). Importing "
        "twice adds nothing; what cannot be placed is kept as orphaned (ours) or reported "
        "(other tools'); a bad annotation is reported and the rest imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .jsonld file to import.")
        whose = parser.add_mutually_exclusive_group()
        whose.add_argument("--as", dest="owner", help="Give every highlight to this account.")
        whose.add_argument(
            "--owners",
            help="A JSON file mapping the file's authors (nicknames; another tool's user "
            "names, e.g. mark for acct:mark@hypothes.is) to user names here; an author it "
            "does not list is not imported.",
        )
        parser.add_argument(
            "--allow-privileged",
            action="store_true",
            help="Let the file's authors be teachers' or staff accounts here (refused by "
            "default: a file must not put words in a teacher's name).",
        )

    def handle(self, *args, file: str, owner, owners, allow_privileged, **options):
        report = import_annotations(
            self._read(file),
            progress=self._progress,
            owners=Owners(
                everyone=self._account(owner) if owner else None,
                by_nickname=self._mapping(owners) if owners else None,
                allow_privileged=allow_privileged,
            ),
        )
        self.stdout.write(str(report))

    def _read(self, file: str) -> list[dict]:
        try:
            size = Path(file).stat().st_size
            if size > MAX_IMPORT_BYTES:
                raise CommandError(
                    f"{file} is {size:,} bytes; at most {MAX_IMPORT_BYTES:,} are imported at "
                    "once: export it in parts (by class or assignment)."
                )
            with open(file, encoding="utf-8") as handle:
                return annotations_in(json.load(handle))
        except (OSError, ValueError) as err:
            raise CommandError(f"Cannot read {file}: {err}") from err

    def _account(self, username: str):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called {username!r}.")
        return user

    def _mapping(self, file: str) -> dict[str, str]:
        try:
            mapping = json.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise CommandError(f"Cannot read the owners file {file}: {err}") from err
        if not isinstance(mapping, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in mapping.items()
        ):
            raise CommandError(
                f'{file} must be a JSON object of author to user name, e.g. {{"student1": "mkim"}}.'
            )
        return mapping

    def _progress(self, done: int, total: int) -> None:
        if self.stderr.isatty() and (done % 100 == 0 or done == total):
            self.stderr.write(f"\r{done:,}/{total:,} annotations", ending="")
            if done == total:
                self.stderr.write("")
