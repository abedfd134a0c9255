"""Korea Reader's own vocabulary: the `korea:` terms the JSON-LD export adds to the W3C
Web Annotation model, one list for the page that defines them (/ns), the JSON-LD
context that maps them (/ns.jsonld) and the export that uses them.

Their IRIs are `settings.VOCABULARY_URL` + "#" + the term (`.../ns#revision`), which
opens the page at the term's definition; the context is `VOCABULARY_URL` + ".jsonld".
"""

from dataclasses import dataclass

from django.conf import settings

from annotations.models import AnchorStatus, EntryKind, HighlightVisibility

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Term:
    name: str
    said_of: str  # what carries it, in the export
    kind: str  # its values: an xsd datatype, or "@id" for an IRI
    definition: str
    values: tuple[str, ...] = ()  # the words it takes, where it takes a fixed few


TERMS = [
    Term(
        "revision",
        "the target of a highlight",
        "xsd:integer",
        "The revision of the article's text that the target's selectors were made on: 1 "
        "for the text as first loaded, one more with each correction of the text.",
    ),
    Term(
        "visibility",
        "a highlight",
        "xsd:string",
        "Who may read the highlight besides its author: private (nobody else, except the "
        "teacher of an assignment it belongs to) or class (the author's classes).",
        tuple(HighlightVisibility.values),
    ),
    Term(
        "anchorStatus",
        "a highlight",
        "xsd:string",
        "Whether its quote is where its selectors say: anchored (as made), reanchored "
        "(placed again by its quote and context after a correction of the text) or "
        "orphaned (its quote is no longer in the text; kept, with its quote).",
        tuple(AnchorStatus.values),
    ),
    Term(
        "hidden",
        "a highlight",
        "xsd:boolean",
        "Whether a teacher hid it from the class, as the person who exported it sees it: "
        "in a class they teach or, for its author, in any class.",
    ),
    Term(
        "question",
        "a highlight",
        "xsd:boolean",
        "Whether its author marked it a question for the class.",
    ),
    Term(
        "sameQuestion",
        "a highlight",
        "xsd:nonNegativeInteger",
        "How many classmates said they have the same question. Who did is not exported.",
    ),
    Term(
        "helpful",
        "a highlight",
        "xsd:nonNegativeInteger",
        "How many classmates found it helpful. Who did is not exported.",
    ),
    Term(
        "assignment",
        "a highlight",
        "xsd:string",
        "The title of the reading assignment it was made in.",
    ),
    Term(
        "name",
        "a glossary body (a SpecificResource whose source is a glossary entry)",
        "xsd:string",
        "The glossary entry's name, as the glossary spells it.",
    ),
    Term(
        "kind",
        "a glossary body",
        "xsd:string",
        "What the glossary entry is.",
        tuple(EntryKind.values),
    ),
    Term(
        "sameAs",
        "a glossary body",
        "@id",
        "The Wikidata entity the glossary entry is about, where it is known.",
    ),
    Term(
        "inReplyTo",
        "a reply (an annotation whose motivation is replying)",
        "@id",
        "The reply it answers, in a thread, by that reply's id; its target is the "
        "highlight the thread is on.",
    ),
]


def namespace() -> str:
    """The IRI the `korea:` prefix stands for."""
    return settings.VOCABULARY_URL + "#"


def context_url() -> str:
    """Where the JSON-LD context of the terms is served (/ns.jsonld)."""
    return settings.VOCABULARY_URL + ".jsonld"


def export_context() -> list[str]:
    """The `@context` of an exported collection, page or annotation."""
    return [ANNO_CONTEXT, context_url()]


def context() -> dict:
    """The JSON-LD context: the prefix, and each term with the type of its values."""
    terms: dict = {"korea": namespace(), "xsd": XSD}
    for term in TERMS:
        terms[f"korea:{term.name}"] = {"@id": f"korea:{term.name}", "@type": term.kind}
    return {"@context": terms}
