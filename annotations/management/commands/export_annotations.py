import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils.http import urlencode

from annotations.export import (
    csv_chunks,
    export_queryset,
    exportable_by,
    jsonld_chunks,
    sheet_chunks,
)
from annotations.forms import ExportFilterForm
from annotations.models import Highlight

FILTERS = ["q", "classroom", "assignment", "document", "student", "tag", "entry", "since", "until"]


class Command(BaseCommand):
    help = (
        "Export highlights as the teacher's CSV (csv), the CSV of all columns (csv-all, "
        "docs/EXPORT.md) or W3C Web Annotation JSON-LD (jsonld), with the web export's "
        "filters. Without --as, every highlight (an administrator's export)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "csv-all", "jsonld"], default="csv")
        parser.add_argument("--output", "-o", help="A file to write; standard output if absent.")
        parser.add_argument("--excel", action="store_true", help="Start the CSV with a BOM.")
        parser.add_argument("--as", dest="viewer", help="Export what this user may export.")
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="The site's address, for links in the file.",
        )
        for name in FILTERS:
            parser.add_argument(f"--{name}")

    def handle(self, *args, **options):
        form = ExportFilterForm({name: options[name] for name in FILTERS if options[name]})
        if not form.is_valid():
            raise CommandError(f"The filters are not right: {form.errors.as_text()}")
        if options["viewer"]:
            viewer = get_user_model().objects.filter(username=options["viewer"]).first()
            if viewer is None:
                raise CommandError(f"No user is called {options['viewer']!r}.")
            highlights = exportable_by(viewer)
        else:
            viewer, highlights = None, Highlight.objects.all()
        highlights = form.apply(highlights, viewer=viewer)
        base_url = options["base_url"].rstrip("/")
        seen = {"viewer": viewer, "classroom": form.cleaned_data["classroom"]}
        if options["format"] == "csv":
            chunks = sheet_chunks(highlights, base_url, bom=options["excel"], **seen)
        elif options["format"] == "csv-all":
            chunks = csv_chunks(export_queryset(highlights, base_url, **seen), bom=options["excel"])
        else:
            query = urlencode({name: options[name] for name in FILTERS if options[name]})
            address = base_url + reverse("export_jsonld") + (f"?{query}" if query else "")
            chunks = jsonld_chunks(highlights, base_url, collection_url=address, **seen)
        total = highlights.count()
        out = open(options["output"], "wb") if options["output"] else sys.stdout.buffer  # noqa: SIM115
        try:
            self._write(chunks, out, total)
        finally:
            if options["output"]:
                out.close()
        if options["output"]:
            self.stderr.write(f"{total:,} highlights written to {options['output']}.")

    def _write(self, chunks, out, total: int) -> None:
        """Write the chunks; on a terminal, show how far it has got.

        Both formats send a header, then one chunk per highlight (COPY sends a row at a
        time), then, for JSON-LD, a closing chunk.
        """
        show = self.stderr.isatty() and total > 0
        for sent, chunk in enumerate(chunks):
            out.write(chunk)
            if show and sent % 1000 == 0:
                self._progress(sent, total)
        if show:
            self._progress(total, total)
            self.stderr.write("")

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * min(done, total) // total
        bar = "#" * filled + "-" * (width - filled)
        self.stderr.write(f"\r[{bar}] {min(done, total):,}/{total:,}", ending="")
        self.stderr.flush()
