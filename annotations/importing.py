"""Importing the app's own W3C Web Annotation JSON-LD (see annotations/export.py).

Restores a backup or moves annotations between servers. Importing the same file twice
adds nothing: an annotation's id ends in its client key (`.../annotations/<key>`, or
`urn:uuid:<key>` in older files), and a highlight with that key and author is already
there. Where a document's text differs, the highlight is placed again by its quote;
where the quote is gone, it is kept as orphaned, with its quote, for its author and
teacher to see. Nothing is dropped without being reported.
"""

import contextlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from annotations import tool_formats
from annotations.anchoring import Anchor, AnchorError
from annotations.models import Document, GlossaryEntry, Highlight, Membership, Reply
from annotations.throttles import LimitReached
from annotations.tool_import import FileLookups, NotPlaced, import_incoming
from annotations.validators import check_tags, clean_note, clean_reply
from annotations.writes import add_imported_reply, create_highlight

_ANNOTATION_IRI = re.compile(
    r"https?://[^/?#\s]+(?:/[^?#\s]*)?/annotations/(?P<key>[-0-9a-fA-F]{36})"
)


@dataclass
class ImportReport:
    created: int = 0
    already_present: int = 0
    replies: int = 0
    replies_present: int = 0
    reanchored: int = 0
    orphaned: int = 0
    users_created: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # not imported, and why
    # Other tools' annotations with no place in our articles, and why (tool_import.py).
    not_placed: list[str] = field(default_factory=list)
    # Other tools' authors, and whose account took their annotations ("as whom").
    authors: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [
            f"{self.created} imported ({self.reanchored} placed again by their quote, "
            f"{self.orphaned} kept as orphaned), {self.already_present} already present."
        ]
        if self.replies or self.replies_present:
            lines.append(
                f"{self.replies} replies imported, {self.replies_present} already present."
            )
        if self.users_created:
            lines.append(f"New accounts (no password yet): {', '.join(self.users_created)}.")
        lines += [f"Author {name}: {whose}." for name, whose in self.authors.items()]
        lines += [f"Not placed: {reason}" for reason in self.not_placed]
        lines += [f"Not imported: {problem}" for problem in self.problems]
        return "\n".join(lines)


def annotations_in(data) -> list[dict]:
    """The annotations of a file: a collection with its page inside (`first`, our export
    since issue 18), a page or an older collection (`items`), a list of them,
    Hypothesis' search results (`rows`), or one annotation (Hypothesis'
    `/api/annotations/<id>.jsonld`)."""
    if isinstance(data, dict) and isinstance(data.get("first"), dict):
        data = data["first"]
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        return data["items"]
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        return data["rows"]
    if isinstance(data, dict) and "target" in data:
        return [data]
    if isinstance(data, list):
        return data
    raise ValueError(
        "Expected an AnnotationCollection with items, a list of annotations, one "
        "annotation, or Hypothesis search results (rows)."
    )


def import_annotations(
    annotations: list[dict], progress=None, owners: "Owners | None" = None, assignment=None
) -> ImportReport:
    """Each annotation in a transaction of its own: a bad one is reported, and the rest
    are imported all the same. Ours, or another tool's (annotations/tool_formats.py);
    replies after what they answer, whatever order the file has (Hypothesis lists the
    newest first). `assignment`: where another tool's highlights go (ours keep none)."""
    report = ImportReport()
    owners = owners or Owners()
    ordered = _replies_last(annotations)
    incoming = _from_tools(ordered)
    lookups = FileLookups(assignment, [one.key for one in incoming.values()]) if incoming else None
    for done, (number, annotation) in enumerate(ordered, start=1):
        try:
            if not isinstance(annotation, dict):
                raise ValueError("it is not a JSON object")
            if number in incoming:
                _import_from_tool(incoming[number], number, report, owners, lookups)
            elif tool_formats.kind_of(annotation) != tool_formats.OURS:
                _from_tool(annotation)  # raises what made it unreadable
            elif annotation.get("motivation") == "replying":
                _import_reply(annotation, report, owners)
            else:
                _import_one(annotation, report, owners)
        except (KeyError, TypeError, ValueError) as err:
            report.problems.append(f"annotation {number}: {err}")
        except LimitReached as limit:
            report.problems.append(f"annotation {number}: {limit.what} {limit.when}")
        except (DatabaseError, ValidationError) as err:  # a rule the database keeps
            reason = "; ".join(err.messages) if isinstance(err, ValidationError) else err
            report.problems.append(f"annotation {number}: refused by the database ({reason})")
        if progress:
            progress(done, len(annotations))
    return report


def _replies_last(annotations: list) -> list[tuple[int, object]]:
    """(number in the file, annotation): highlights in the file's order, then replies,
    oldest first, so that each comes after the one it answers."""

    def reply_time(numbered: tuple[int, object]) -> tuple[bool, str]:
        annotation = numbered[1]
        if not isinstance(annotation, dict):
            return False, ""
        reply = tool_formats.is_reply(annotation)
        return reply, str(annotation.get("created", "")) if reply else ""

    return sorted(enumerate(annotations, start=1), key=reply_time)


def _from_tools(ordered: list[tuple[int, object]]) -> dict:
    """The other tools' annotations of the file, read (tool_formats), by their number in
    the file; those that cannot be read are left for the loop to report."""
    incoming = {}
    for number, annotation in ordered:
        if isinstance(annotation, dict) and tool_formats.kind_of(annotation) != tool_formats.OURS:
            with contextlib.suppress(KeyError, TypeError, ValueError):
                incoming[number] = _from_tool(annotation)
    return incoming


def _from_tool(annotation: dict):
    if tool_formats.kind_of(annotation) == tool_formats.HYPOTHESIS:
        return tool_formats.from_hypothesis(annotation)
    return tool_formats.from_web_annotation(annotation)


def _import_from_tool(incoming, number: int, report, owners, lookups):
    try:
        import_incoming(incoming, report, owners, lookups.assignment, lookups)
    except NotPlaced as why:
        report.not_placed.append(f"annotation {number} ({incoming.label}): {why}")
    except ValueError as err:
        raise ValueError(f"{incoming.label}: {err}") from None


@transaction.atomic
def _import_one(annotation: dict, report: ImportReport, owners: "Owners") -> None:
    identifier = str(annotation.get("id", ""))
    client_key = _key(identifier, "id")
    owner, new_account = owners.owner_for(annotation["creator"], report=report)
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
        visibility=_one_of(annotation, "korea:visibility", Highlight.Visibility.values),
        glossary_entries=entries,
        client_key=client_key,
        anchor_status=status,
        hidden=_flag(annotation, "korea:hidden"),
        is_question=_flag(annotation, "korea:question"),
        capped=owners.capped,  # an administrator's restore brings back all that was there
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


def _key(identifier, what: str) -> uuid.UUID:
    """The client key in an annotation's id: its address in a Korea Reader's Protocol
    container (`https://<any server>/annotations/<key>`) or, in files from before issue
    18, `urn:uuid:<key>`."""
    identifier = str(identifier)
    if identifier.startswith("urn:uuid:"):
        return uuid.UUID(identifier.removeprefix("urn:uuid:"))
    if found := _ANNOTATION_IRI.fullmatch(identifier):
        return uuid.UUID(found["key"])
    raise ValueError(
        f"its {what} {identifier!r} is not a Korea Reader annotation's id "
        "(https://<server>/annotations/<uuid>, or urn:uuid:<uuid>)"
    )


@transaction.atomic
def _import_reply(annotation: dict, report: ImportReport, owners: "Owners") -> None:
    """A reply (motivation `replying`) back on the highlight it targets, in its thread
    (`korea:inReplyTo`) and class; the highlight comes first in the file, or is here."""
    if owners.everyone is not None:
        raise ValueError("replies are other people's words: not imported with --as")
    client_key = _key(annotation.get("id", ""), "id")
    target = _key(annotation["target"], "target")
    highlight = Highlight.objects.filter(client_key=target).select_related("assignment").first()
    if highlight is None:
        raise ValueError(f"no highlight here for its target urn:uuid:{target}")
    author, new_account = owners.owner_for(annotation["creator"], reply=True)
    if Reply.objects.filter(author=author, client_key=client_key).exists():
        report.replies_present += 1
        return
    bodies = annotation.get("body", [])
    bodies = [bodies] if isinstance(bodies, dict) else bodies
    text = "\n\n".join(str(body["value"]) for body in bodies if body.get("purpose") == "replying")
    try:
        text = clean_reply(text)
    except ValidationError as err:
        raise ValueError(f"urn:uuid:{client_key}: {err.messages[0]}") from None
    parent = None
    if "korea:inReplyTo" in annotation:
        answered = _key(annotation["korea:inReplyTo"], "korea:inReplyTo")
        parent = Reply.objects.filter(highlight=highlight, client_key=answered).first()
    created = datetime.fromisoformat(annotation["created"])
    modified = datetime.fromisoformat(annotation.get("modified", annotation["created"]))
    add_imported_reply(
        highlight=highlight,
        author=author,
        text=text,
        parent=parent,
        client_key=client_key,
        created=created,
        edited=modified if modified != created else None,
    )
    report.replies += 1
    if new_account:
        report.users_created.append(author.username)


def _one_of(annotation: dict, key: str, values: list[str]) -> str:
    value = annotation.get(key, values[0])
    if value not in values:
        raise ValueError(f"{key} is {value!r}, not one of {', '.join(values)}")
    return value


def _flag(annotation: dict, key: str) -> bool:
    value = annotation.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{key} is {value!r}, not true or false")
    return value


def _target(identifier: str, target: dict) -> tuple[Document, Anchor, str]:
    """The article, where in it, and how it was placed: by position, again by its quote
    (the text differs), or not at all (kept orphaned, with its quote)."""
    slug = tool_formats.document_slug(target["source"])
    document = Document.objects.filter(slug=slug).first() if slug else None
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
            slug = tool_formats.entry_slug(body.get("source", ""))
            entry = GlossaryEntry.objects.filter(slug=slug).first() if slug else None
            if entry is None:
                missing.append(
                    f"{identifier}: no glossary entry {body.get('source')}; the link was left out"
                )
            else:
                entries.append(entry)
    return note, tags, entries, missing


@dataclass
class Owners:
    """Whose the imported highlights become; the file's own names are not trusted.

    `everyone`: one account takes them all (`--as`). `by_nickname`: the file's nickname
    to a user name here (`--owners`); a nickname it does not list is reported, not
    imported. Neither: the account of the file's nickname, or a new one without a
    password; an account that teaches or is staff is refused unless `allow_privileged`,
    so a file cannot put words in a teacher's name.
    """

    everyone: object | None = None
    by_nickname: dict[str, str] | None = None
    allow_privileged: bool = False
    # A teacher's upload (views/imports.py): the class's students by user name; anyone
    # else's work becomes the `importer`'s, and no account is made.
    classroom: object | None = None
    importer: object | None = None
    # Held to the caps on highlights and new tags (writes._within_caps), as the upload is.
    capped: bool = False
    _members: dict | None = field(default=None, init=False, repr=False, compare=False)

    def owner_for(self, creator: dict, *, reply: bool = False, report=None):
        """(account, made now) for an annotation's creator, or ValueError saying why not."""
        if self.everyone is not None:
            return self.everyone, False
        nickname = str(creator["nickname"])
        if self.classroom is not None:
            return self._from_class(nickname, nickname, reply=reply, report=report), False
        User = get_user_model()
        if self.by_nickname is not None:
            if nickname not in self.by_nickname:
                raise ValueError(f"its author {nickname!r} is not in the owners file")
            user = User.objects.filter(username=self.by_nickname[nickname]).first()
            if user is None:
                raise ValueError(f"no account {self.by_nickname[nickname]!r} for {nickname!r}")
            return user, False
        user = User.objects.filter(username=nickname).first()
        if user is None:
            first, _, last = str(creator.get("name", "")).partition(" ")
            user = User(username=nickname, first_name=first, last_name=last)
            user.set_unusable_password()
            user.full_clean(exclude=["password"])  # a user name Django would accept
            user.save()
            return user, True
        if not self.allow_privileged and _privileged(user):
            raise ValueError(
                f"its author {nickname!r} is a teacher's or staff account here: map the "
                "authors with --owners, or pass --allow-privileged"
            )
        return user, False

    def owner_named(self, name: str, written: str, report: ImportReport):
        """The account for another tool's author (`name` there, `written` as the file
        has it), noted in the report: the one named by --as or --owners; on an upload,
        the class's student of that user name, else the teacher importing; from the
        command line, the account of that name here (never one made, never a teacher's)."""
        if self.classroom is not None and self.everyone is None:
            return self._from_class(name, written, reply=False, report=report)
        if self.everyone is not None:
            user = self.everyone
        elif self.by_nickname is not None:
            user = self.owner_for({"nickname": name or written})[0]
        else:
            user = get_user_model().objects.filter(username=name).first() if name else None
            if user is None:
                raise ValueError(
                    f"no account here for its author {written or '(not named)'!r}: map the "
                    "authors with --owners, or give them all to one account with --as"
                )
            if _privileged(user) and not self.allow_privileged:
                raise ValueError(
                    f"its author {written!r} is a teacher's or staff account here: map the "
                    "authors with --owners, or pass --allow-privileged"
                )
        report.authors[written or "(not named)"] = f"imported as {user.username}'s"
        return user

    def reply_author(self, name: str, written: str):
        """A reply is its author's words: only ever their own account's."""
        if self.everyone is not None:
            raise ValueError("replies are other people's words: not imported for one account")
        if self.by_nickname is not None:
            return self.owner_for({"nickname": name or written})[0]
        if self.classroom is not None:
            return self._from_class(name, written, reply=True, report=None)
        return self.owner_named(name, written, ImportReport())

    def _from_class(self, name: str, written: str, *, reply: bool, report):
        """On an upload: the class's student of that user name (for a reply, any member
        of the class); else the teacher importing takes a highlight, and a reply, being
        its author's words, is refused."""
        person = self._in_class(name, teachers=reply)
        if person is None and reply:
            raise ValueError(
                f"its author {written!r} is not in {self.classroom.name}, and a reply is "
                "not put in another's name"
            )
        if report is not None:
            whose = (person or self.importer).username
            why = "" if person else f"not a student of {self.classroom.name}: "
            report.authors[written or "(not named)"] = f"{why}imported as {whose}'s"
        return person or self.importer

    def _in_class(self, name: str, teachers: bool = False):
        """The class's student (or, for `teachers`, any member) of that user name; the
        class's members are read once, for the whole file."""
        if self._members is None:
            memberships = self.classroom.memberships.select_related("user")
            self._members = {member.user.username: member for member in memberships}
        found = self._members.get(name) if name else None
        if found is None or (not teachers and found.role != Membership.Role.STUDENT):
            return None
        return found.user


def _privileged(user) -> bool:
    teaches = user.memberships.filter(role=Membership.Role.TEACHER).exists()
    return user.is_staff or user.is_superuser or teaches or user.groups.exists()
