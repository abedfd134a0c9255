"""Loading the articles from `fixtures/` into the database, idempotently."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from annotations.models import Document
from annotations.paragraphs import split_paragraphs

FIXTURES_DIR = settings.BASE_DIR / "fixtures"


class FixtureError(Exception):
    pass


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_document_fixtures(path: Path = FIXTURES_DIR / "documents.json") -> list[dict]:
    """The fixture entries, each with its verbatim `text`, checked for consistency."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    for position, entry in enumerate(entries):
        entry["text"] = normalise_newlines((path.parent / entry.pop("file")).read_text("utf-8"))
        entry["position"] = position
        paragraph_texts = {p.text for p in split_paragraphs(entry["text"])}
        for text, role in entry.get("paragraph_roles", {}).items():
            if text not in paragraph_texts:
                raise FixtureError(f"{entry['slug']}: no paragraph reads {text[:60]!r}.")
            if role not in Document.PARAGRAPH_ROLES:
                raise FixtureError(f"{entry['slug']}: unknown paragraph role {role!r}.")
    return entries


@transaction.atomic
def load_documents(path: Path = FIXTURES_DIR / "documents.json") -> LoadReport:
    """Create or update each document; a changed text becomes a new revision."""
    report = LoadReport()
    for entry in read_document_fixtures(path):
        slug = entry.pop("slug")
        document = Document.objects.select_for_update().filter(slug=slug).first()
        if document is None:
            Document.objects.create(slug=slug, **entry)
            report.created.append(slug)
            continue
        changes = {name: value for name, value in entry.items() if getattr(document, name) != value}
        if "text" in changes:
            changes["revision"] = document.revision + 1
        if not changes:
            report.unchanged.append(slug)
            continue
        for name, value in changes.items():
            setattr(document, name, value)
        document.save()
        report.updated.append(slug)
    return report
