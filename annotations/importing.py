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

from annotations.anchoring import Anchor, AnchorError
from annotations.models import Document, GlossaryEntry, Highlight
from annotations.validators import check_tags, clean_note
from annotations.writes import create_highlight

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
    document, placed, status = _target(identifier, annotation["target"])
    note, tags, entries, missing = _bodies(identifier, annotation.get("body", []))
    highlight, _ = create_highlight(
        owner=owner,
        document=document,
        anchor=placed,
        note=note,
        tags=tags,
        visibility=annotation.get("korea:visibility", Highlight.Visibility.PRIVATE),
        glossary_entries=entries,
        client_key=client_key,
        anchor_status=status,
        hidden=bool(annotation.get("korea:hidden", False)),
    )
    # Keep the original times, which auto_now fields would otherwise overwrite.
    Highlight.objects.filter(pk=highlight.pk).update(
        created=datetime.fromisoformat(annotation["created"]),
        updated=datetime.fromisoformat(annotation.get("modified", annotation["created"])),
    )
    # Counted only now: a failure above rolls everything back, the account included.
    report.created += 1
    report.reanchored += highlight.anchor_status == Highlight.AnchorStatus.REANCHORED
    report.orphaned += highlight.anchor_status == Highlight.AnchorStatus.ORPHANED
    report.problems += missing
    if new_account:
        report.users_created.append(owner.username)


def _target(identifier: str, target: dict) -> tuple[Document, Anchor, str]:
    """The article, where in it, and how it was placed: by position, again by its quote
    (the text differs), or not at all (kept orphaned, with its quote)."""
    match = _DOCUMENT_PATH.search(urlsplit(target["source"]).path)
    document = Document.objects.filter(slug=match.group(1)).first() if match else None
    if document is None:
        raise ValueError(f"{identifier}: no article here for {target['source']}")
    selectors = {selector["type"]: selector for selector in target["selector"]}
    quote = selectors["TextQuoteSelector"]
    position = selectors.get("TextPositionSelector", {})
    start, end = position.get("start"), position.get("end")
    exact, prefix, suffix = quote["exact"], quote.get("prefix", ""), quote.get("suffix", "")
    try:
        placed = document.place(
            start=start,
            end=end,
            revision=target.get("korea:revision"),
            exact=exact,
            prefix=prefix,
            suffix=suffix,
        )
    except AnchorError:
        start = int(start or 0)
        end = max(int(end or 1), start + 1)
        return document, Anchor(start, end, exact, prefix, suffix), Highlight.AnchorStatus.ORPHANED
    moved = (placed.start, placed.end) != (start, end)
    status = Highlight.AnchorStatus.REANCHORED if moved else Highlight.AnchorStatus.ANCHORED
    return document, placed, status


def _bodies(identifier: str, bodies) -> tuple[str, list[str], list[GlossaryEntry], list[str]]:
    """The note, the tags and the glossary entries, held to the editor's rules; and the
    links to entries this glossary does not have (left out, and reported)."""
    if isinstance(bodies, dict):
        bodies = [bodies]
    note = "\n\n".join(b["value"] for b in bodies if b.get("purpose") == "commenting")
    tags = [b["value"] for b in bodies if b.get("purpose") == "tagging"]
    # A file may not bring in what the editor would refuse.
    try:
        check_tags(tags)
        clean_note(note)
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
    return note, tags, entries, missing


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
