"""Reading annotations other tools made: Hypothesis and W3C Web Annotation JSON.

Each annotation becomes an `Incoming`: what Korea Reader can use of it, in one shape,
whatever tool wrote it (annotations/tool_import.py places and writes it). Nothing here
touches the database. Formats, told apart per annotation (`kind_of`):

- ours: our export (annotations/export.py, read by annotations/importing.py);
- Hypothesis' API JSON: the rows of `/api/search` (`uri`, `text`, `tags`, `user`,
  `target[].selector[]`, `references` for replies);
- W3C Web Annotation JSON-LD (`@context` anno.jsonld, or its shape): Hypothesis'
  `.jsonld` form, Recogito 2's download, RecogitoJS and the Recogito Text Annotator.

An annotation's key here is a UUID made from its id in the other tool (uuid5), so that
the same file imported twice is the same annotations, and a reply finds its parent.
"""

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

OURS, HYPOTHESIS, WEB_ANNOTATION = "ours", "Hypothesis", "W3C"

_KEYS = uuid.UUID("5b0b7c2e-18a4-4d7e-9a53-4f0e1c7d2a61")  # the namespace of our uuid5s
_HYPOTHESIS_ID = re.compile(r"/(?:a|api/annotations)/([-\w]+?)(?:\.jsonld)?/?$")
_OUR_ID = re.compile(r"/annotations/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ACCOUNT = re.compile(r"^acct:([^@]+)@(.+)$")
_DOCUMENT_PATH = re.compile(r"/documents/([-\w]+)/?$")
_ENTRY_PATH = re.compile(r"/glossary/([-\w]+)/?$")


def document_slug(address: str) -> str | None:
    """The slug of our article an address names (`/documents/<slug>/`, on any host)."""
    found = _DOCUMENT_PATH.search(urlsplit(address).path)
    return found.group(1) if found else None


def entry_slug(address: str) -> str | None:
    """The slug of our glossary entry an address names (`/glossary/<slug>/`, any host)."""
    found = _ENTRY_PATH.search(urlsplit(address).path)
    return found.group(1) if found else None


@dataclass
class Quote:
    exact: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None


@dataclass
class Incoming:
    """One annotation from another tool, as Korea Reader can take it."""

    tool: str
    label: str  # how the report names it: its tool and its id there
    key: uuid.UUID
    author: str  # the other tool's user name ("" if it gives none)
    author_label: str  # the author as the file writes it, for the report
    source: str = ""
    quote: Quote | None = None
    note: str = ""
    tags: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # identifying bodies: URLs
    replying_to: uuid.UUID | None = None  # the annotation a reply answers
    shared: bool = False
    created: datetime | None = None
    modified: datetime | None = None
    refusal: str = ""  # why it cannot be a highlight or a reply at all


def kind_of(annotation: dict) -> str:
    """Which format one annotation is in: ours, Hypothesis' API JSON, or W3C."""
    if any(str(key).startswith("korea:") for key in annotation):
        return OURS
    identifier = str(annotation.get("id", ""))
    creator = annotation.get("creator")
    nicknamed = isinstance(creator, dict) and "nickname" in creator
    if identifier.startswith("urn:uuid:") or (nicknamed and _OUR_ID.search(identifier)):
        return OURS
    context = json.dumps(annotation.get("@context", ""))
    if '"korea"' in context or "/ns.jsonld" in context:  # our vocabulary (export.py)
        return OURS
    if "uri" in annotation and isinstance(annotation.get("target"), list):
        return HYPOTHESIS
    return WEB_ANNOTATION


def is_reply(annotation: dict) -> bool:
    """A reply, in any of the formats: motivation `replying`, or Hypothesis' references."""
    motivations = _as_list(annotation.get("motivation"))
    return "replying" in motivations or bool(annotation.get("references"))


def key_for(tool: str, identifier: str) -> uuid.UUID:
    return uuid.uuid5(_KEYS, f"{tool} {identifier}")


def from_hypothesis(row: dict) -> Incoming:
    """A row of Hypothesis' `/api/search` (or `/api/annotations/<id>`)."""
    # No id: the row itself is its identity, so that a second import matches it.
    identifier = str(row.get("id") or json.dumps(row, sort_keys=True, ensure_ascii=False))
    author = str(row.get("user", ""))
    targets = row["target"] if isinstance(row["target"], list) else [row["target"]]
    selectors = [s for t in targets if isinstance(t, dict) for s in _as_list(t.get("selector"))]
    references = [str(reference) for reference in _as_list(row.get("references"))]
    incoming = Incoming(
        tool=HYPOTHESIS,
        label=f"Hypothesis {row.get('id') or '(no id)'}",
        key=key_for(HYPOTHESIS, identifier),
        author=_account_name(author),
        author_label=author,
        source=str(row.get("uri") or _first_source(targets)),
        quote=_quote(selectors),
        note=str(row.get("text") or ""),
        tags=[str(tag) for tag in _as_list(row.get("tags"))],
        shared=any(str(r).startswith("group:") for r in _readers(row)),
        created=_time(row.get("created")),
        modified=_time(row.get("updated")),
    )
    if references:
        # The thread's first annotation is the highlight; the last, the one answered.
        incoming.replying_to = key_for(HYPOTHESIS, references[-1])
    return incoming


def from_web_annotation(annotation: dict) -> Incoming:
    """A W3C Web Annotation: Hypothesis' JSON-LD, Recogito's, or any tool's."""
    identifier = str(annotation.get("id") or "")
    tool, key = _tool_and_key(annotation, identifier)
    author, author_label = _creator(annotation)
    bodies = [body for body in _as_list(annotation.get("body")) if isinstance(body, dict)]
    targets = _as_list(annotation.get("target"))
    incoming = Incoming(
        tool=tool,
        label=f"{tool} {identifier or '(no id)'}",
        key=key,
        author=author,
        author_label=author_label,
        source=_first_source(targets),
        note="\n\n".join(_values(bodies, "commenting", "replying", None)),
        tags=_values(bodies, "tagging"),
        links=_links(bodies),
        created=_time(annotation.get("created")),
        modified=_time(annotation.get("modified")),
    )
    _read_target(incoming, annotation, targets)
    return incoming


def _read_target(incoming: Incoming, annotation: dict, targets: list) -> None:
    """A highlight's quote, or the annotation a reply answers, or why it is neither."""
    motivations = set(map(str, _as_list(annotation.get("motivation"))))
    if "replying" in motivations:
        answered = targets[0] if targets else ""
        answered = answered.get("id", "") if isinstance(answered, dict) else answered
        incoming.replying_to = _tool_and_key({}, str(answered))[1] if answered else None
        if incoming.replying_to is None:
            incoming.refusal = "a reply without the annotation it answers (its target)"
        return
    if "linking" in motivations or len(targets) > 1:
        incoming.refusal = "a link between annotations, not a passage of a text: not imported"
        return
    target = targets[0] if targets else {}
    selectors = _as_list(target.get("selector")) if isinstance(target, dict) else []
    incoming.quote = _quote(selectors)


def _tool_and_key(annotation: dict, identifier: str) -> tuple[str, uuid.UUID]:
    """The tool that made it (as far as its id or generator tells) and its key here.
    Hypothesis' two forms of one annotation (API row, JSON-LD) get the same key."""
    found = _HYPOTHESIS_ID.search(urlsplit(identifier).path) if "://" in identifier else None
    generator = annotation.get("generator")
    if found and "hypothes" in identifier:
        return HYPOTHESIS, key_for(HYPOTHESIS, found.group(1))
    if isinstance(generator, dict) and str(generator.get("name", "")).startswith("Recogito"):
        tool = "Recogito"
    else:
        tool = WEB_ANNOTATION
    if not identifier:
        # No id: the annotation itself is its identity, so a second import matches it.
        identifier = json.dumps(annotation, sort_keys=True, ensure_ascii=False)
    return tool, key_for(WEB_ANNOTATION, identifier)


def _creator(annotation: dict) -> tuple[str, str]:
    """(user name, as written): `acct:name@host` and URLs ending in the name (Hypothesis,
    Recogito 2), or a creator object's nickname or name; Recogito 2 names the author of
    each body instead."""
    creator = annotation.get("creator")
    if creator is None:
        bodies = [b for b in _as_list(annotation.get("body")) if isinstance(b, dict)]
        creator = next((b["creator"] for b in bodies if b.get("creator")), "")
    if isinstance(creator, list):
        creator = creator[0] if creator else ""
    if isinstance(creator, dict):
        label = str(creator.get("nickname") or creator.get("name") or creator.get("id") or "")
        name = str(creator.get("nickname") or creator.get("name") or "")
        return _account_name(name), label
    label = str(creator or "")
    return _account_name(label), label


def _account_name(written: str) -> str:
    """`acct:mark@hypothes.is` and `https://recogito.pelagios.org/rainer` name `mark`
    and `rainer`; an opaque id names no one."""
    account = _ACCOUNT.match(written)
    if account:
        return account.group(1)
    if "://" in written:
        return urlsplit(written).path.rstrip("/").rpartition("/")[2]
    return written if re.fullmatch(r"[\w.@+-]{1,150}", written or "-") else ""


def _quote(selectors: list) -> Quote | None:
    by_type = {s.get("type"): s for s in selectors if isinstance(s, dict)}
    quote, position = by_type.get("TextQuoteSelector"), by_type.get("TextPositionSelector", {})
    if not quote or not isinstance(quote.get("exact"), str):
        return None
    start, end = position.get("start"), position.get("end")
    hint = isinstance(start, int) and isinstance(end, int)
    return Quote(
        exact=quote["exact"],
        prefix=str(quote.get("prefix") or ""),
        suffix=str(quote.get("suffix") or ""),
        start=start if hint else None,
        end=end if hint else None,
    )


def _values(bodies: list[dict], *purposes) -> list[str]:
    """The text of the bodies with these purposes (None: a body that gives none, which
    Hypothesis and RecogitoJS write for a comment)."""
    return [
        str(body["value"])
        for body in bodies
        if body.get("purpose") in purposes
        and body.get("type", "TextualBody") == "TextualBody"
        and isinstance(body.get("value"), str)
        and body["value"].strip()
    ]


def _links(bodies: list[dict]) -> list[str]:
    """What identifying bodies point at: a glossary entry's URL or a gazetteer's."""
    found = []
    for body in bodies:
        if body.get("purpose") == "identifying":
            found += [str(body[k]) for k in ("source", "id", "value") if "://" in str(body.get(k))]
    return found


def _first_source(targets: list) -> str:
    for target in targets:
        if isinstance(target, str):
            return target
        if isinstance(target, dict) and target.get("source"):
            source = target["source"]
            return str(source[0] if isinstance(source, list) and source else source)
    return ""


def _readers(row: dict) -> list:
    permissions = row.get("permissions")
    return _as_list(permissions.get("read")) if isinstance(permissions, dict) else []


def _time(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
