"""Loading the articles from `fixtures/` into the database, idempotently."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from annotations.corrections import correct_text
from annotations.glossary import recompute_mentions
from annotations.models import Document, GlossaryEntry
from annotations.paragraphs import split_paragraphs
from annotations.writes import set_aliases, wanted_aliases

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
        if not changes:
            report.unchanged.append(slug)
            continue
        if "text" in changes:
            # A new revision, with every highlight carried over to it (or kept orphaned).
            correct_text(
                document,
                changes.pop("text"),
                author=None,
                note=f"Reloaded from {path.name}.",
                paragraph_roles=changes.pop("paragraph_roles", entry.get("paragraph_roles")),
            )
        for name, value in changes.items():
            setattr(document, name, value)
        document.save()
        report.updated.append(slug)
    if report.created or report.updated:
        recompute_mentions(Document.objects.filter(slug__in=report.created + report.updated))
    return report


GLOSSARY_FIELDS = ["kind", "name", "summary", "other_names", "wikidata", "born", "died"]


def read_glossary_fixture(path: Path) -> list[dict]:
    entries = json.loads(path.read_text(encoding="utf-8"))
    kinds = set(GlossaryEntry.Kind.values)
    for entry in entries:
        if entry.get("kind") not in kinds:
            raise FixtureError(f"{entry.get('slug')}: kind must be one of {sorted(kinds)}.")
        if not entry.get("aliases"):
            raise FixtureError(f"{entry['slug']}: an entry needs at least one alias.")
        if not (entry.get("summary") or "").strip():
            raise FixtureError(f"{entry['slug']}: an entry needs a summary.")
    return entries


@transaction.atomic
def load_glossary(path: Path = FIXTURES_DIR / "glossary.json") -> LoadReport:
    """Create or update each entry and its aliases, then recompute every mention.

    Stale aliases go before new ones are added, so an alias may move between entries.
    """
    report = LoadReport()
    changed_aliases: dict[int, set[tuple[str, bool]]] = {}
    for data in read_glossary_fixture(path):
        fields = {name: data.get(name) or "" for name in GLOSSARY_FIELDS}
        fields["other_names"] = data.get("other_names") or []
        fields["latitude"] = data.get("latitude")
        fields["longitude"] = data.get("longitude")
        wanted = wanted_aliases(data["aliases"], data.get("short_forms", []))
        entry = GlossaryEntry.objects.filter(slug=data["slug"]).first()
        if entry is None:
            entry = GlossaryEntry.objects.create(slug=data["slug"], **fields)
            report.created.append(entry.slug)
        else:
            changed = {k: v for k, v in fields.items() if getattr(entry, k) != v}
            have = set(entry.aliases.values_list("text", "is_short"))
            if not changed and have == wanted:
                report.unchanged.append(entry.slug)
                continue
            for name, value in changed.items():
                setattr(entry, name, value)
            entry.save()
            report.updated.append(entry.slug)
        changed_aliases[entry.pk] = wanted
    set_aliases(changed_aliases)
    if report.created or report.updated:
        recompute_mentions()
    return report
