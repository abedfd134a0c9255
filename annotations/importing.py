"""Importing the app's own W3C Web Annotation JSON-LD (see annotations/export.py).

Restores a backup or moves annotations between servers. Importing the same file twice
adds nothing: an annotation's id is `urn:uuid:<client key>`, and a highlight with that
key and author is already there. Where a document's text differs, the highlight is
placed again by its quote; where the quote is gone, it is kept as orphaned, with its
quote, for its author and teacher to see. Nothing is dropped without being reported.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.anchoring import AnchorError
from annotations.forms import check_tags, clean_note
from annotations.models import Document, GlossaryEntry, Highlight

_DOCUMENT_PATH = re.compile(r"/documents/([-\w]+)/?$")
_ENTRY_PATH = re.compile(r"/glossary/([-\w]+)/?$")


@dataclass
class ImportReport:
    created: int = 0
    already_present: int = 0
    reanchored: int = 0
    orphaned: int = 0
    users_created: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # not imported, and why

    def __str__(self) -> str:
        lines = [
            f"{self.created} imported ({self.reanchored} placed again by their quote, "
            f"{self.orphaned} kept as orphaned), {self.already_present} already present."
        ]
        if self.users_created:
            lines.append(f"New accounts (no password yet): {', '.join(self.users_created)}.")
        lines += [f"Not imported: {problem}" for problem in self.problems]
        return "\n".join(lines)


def annotations_in(data) -> list[dict]:
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        return data["items"]
    if isinstance(data, list):
        return data
    raise ValueError("Expected an AnnotationCollection with items, or a list of annotations.")


def import_annotations(annotations: list[dict], progress=None) -> ImportReport:
    report = ImportReport()
    for number, annotation in enumerate(annotations, start=1):
        try:
            if not isinstance(annotation, dict):
                raise ValueError("it is not a JSON object")
            _import_one(annotation, report)
        except (KeyError, TypeError, ValueError) as err:
            report.problems.append(f"annotation {number}: {err}")
        if progress:
            progress(number, len(annotations))
    return report


@transaction.atomic
def _import_one(annotation: dict, report: ImportReport) -> None:
    identifier = str(annotation.get("id", ""))
    if not identifier.startswith("urn:uuid:"):
        raise ValueError(f"its id {identifier!r} is not a urn:uuid: from Korea Reader")
    client_key = uuid.UUID(identifier.removeprefix("urn:uuid:"))
    owner, new_account = _owner(annotation["creator"])
    if Highlight.objects.filter(owner=owner, client_key=client_key).exists():
        report.already_present += 1
        return
    target = annotation["target"]
    match = _DOCUMENT_PATH.search(urlsplit(target["source"]).path)
    document = Document.objects.filter(slug=match.group(1)).first() if match else None
    if document is None:
        raise ValueError(f"{identifier}: no article here for {target['source']}")
    selectors = {selector["type"]: selector for selector in target["selector"]}
    quote = selectors["TextQuoteSelector"]
    position = selectors.get("TextPositionSelector", {})
    fields = {
        "exact": quote["exact"],
        "prefix": quote.get("prefix", ""),
        "suffix": quote.get("suffix", ""),
    }
    try:
        placed = document.place(
            start=position.get("start"),
            end=position.get("end"),
            revision=target.get("korea:revision"),
            **fields,
        )
        status = Highlight.AnchorStatus.ANCHORED
        if (placed.start, placed.end) != (position.get("start"), position.get("end")):
            status = Highlight.AnchorStatus.REANCHORED
        fields = {"exact": placed.exact, "prefix": placed.prefix, "suffix": placed.suffix}
        start, end = placed.start, placed.end
    except AnchorError:
        status = Highlight.AnchorStatus.ORPHANED
        start, end = int(position.get("start", 0)), int(position.get("end", 1))
    bodies = annotation.get("body", [])
    if isinstance(bodies, dict):
        bodies = [bodies]
    notes = [b["value"] for b in bodies if b.get("purpose") == "commenting"]
    tags = [b["value"] for b in bodies if b.get("purpose") == "tagging"]
    # The rules a student's own highlight keeps: a file may not bring in what the editor
    # would refuse.
    try:
        check_tags(tags)
        clean_note("\n\n".join(notes))
    except ValidationError as err:
        raise ValueError(f"{identifier}: {err.messages[0]}") from None
    entries, missing = [], []
    for body in bodies:
        if body.get("purpose") == "identifying":
            found = _ENTRY_PATH.search(urlsplit(body.get("source", "")).path)
            entry = GlossaryEntry.objects.filter(slug=found.group(1)).first() if found else None
            if entry is None:
                missing.append(
                    f"{identifier}: no glossary entry {body.get('source')}; the link was left out"
                )
            else:
                entries.append(entry)
    highlight = Highlight.objects.create(
        owner=owner,
        document=document,
        revision=document.revision,
        start=start,
        end=max(end, start + 1),
        note="\n\n".join(notes),
        visibility=annotation.get("korea:visibility", Highlight.Visibility.PRIVATE),
        hidden=bool(annotation.get("korea:hidden", False)),
        anchor_status=status,
        client_key=client_key,
        **fields,
    )
    highlight.tags.set(tags)
    highlight.glossary_entries.set(entries)
    # Keep the original times, which auto_now fields would otherwise overwrite.
    Highlight.objects.filter(pk=highlight.pk).update(
        created=datetime.fromisoformat(annotation["created"]),
        updated=datetime.fromisoformat(annotation.get("modified", annotation["created"])),
    )
    # Counted only now: a failure above rolls everything back, the account included.
    report.created += 1
    report.reanchored += status == Highlight.AnchorStatus.REANCHORED
    report.orphaned += status == Highlight.AnchorStatus.ORPHANED
    report.problems += missing
    if new_account:
        report.users_created.append(owner.username)


def _owner(creator: dict):
    User = get_user_model()
    username = creator["nickname"]
    user = User.objects.filter(username=username).first()
    if user is None:
        first, _, last = creator.get("name", "").partition(" ")
        user = User(username=username, first_name=first, last_name=last)
        user.set_unusable_password()
        user.save()
        return user, True
    return user, False
