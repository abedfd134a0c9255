"""Every refusal of an LTI login or launch, as a page for the person and a line for the
administrator: what happened, what to do, never a 500.

pylti1p3 says what failed in its exceptions' messages; REFUSALS sorts them by the start of
that message into what the person can act on. The message itself goes to the log.
"""

import logging
from dataclasses import dataclass

from django.http import HttpRequest
from django.template.response import TemplateResponse

log = logging.getLogger("annotations.lti")

AGAIN = "Go back to the course and open Korea Reader again from there."
ADMIN = "If it happens again, tell your school's LMS administrator what this page says."


@dataclass(frozen=True)
class Refusal:
    status: int
    title: str
    message: str
    advice: str


NOT_THIS_BROWSER = Refusal(
    403,
    "This launch did not start in this browser",
    "Korea Reader could not match this launch to the browser it began in (its cookie is "
    "missing or different), so nobody was signed in.",
    f"{AGAIN} If your browser blocks cookies inside the course page, choose "
    "\u201cOpen in a new window\u201d when it is offered.",
)
USED = Refusal(
    403,
    "This launch was already used",
    "Each launch from the course can be used once, and this one has been.",
    "Ask your teacher to launch Korea Reader again from the course, or open it again "
    "yourself from the course page.",
)
UNREGISTERED = Refusal(
    403,
    "This LMS is not registered with Korea Reader",
    "The launch came from a learning platform (issuer and client id) that this Korea "
    "Reader does not know.",
    "Ask your school's administrator to register the LMS with Korea Reader.",
)
UNVERIFIED = Refusal(
    403,
    "The launch could not be verified",
    "The launch's signature did not check out against the LMS's published keys.",
    f"{AGAIN} {ADMIN}",
)
EXPIRED = Refusal(
    403,
    "The launch has expired",
    "The launch is valid for a few minutes only, and this one is too old (or the clocks "
    "of the LMS and Korea Reader disagree).",
    f"Ask your teacher to launch Korea Reader again from the course. {ADMIN}",
)
INCOMPLETE = Refusal(
    400,
    "The course sent an incomplete launch",
    "The launch is missing something Korea Reader needs (who you are, your role, the "
    "kind of launch, or the LTI version 1.3.0).",
    f"{AGAIN} {ADMIN}",
)
UNREADABLE = Refusal(
    400,
    "The launch could not be read",
    "What arrived is not a launch from an LMS.",
    AGAIN,
)
INACTIVE = Refusal(
    403,
    "Korea Reader is not switched on for this course",
    "The LMS's deployment of Korea Reader is not yet active here.",
    "Ask your school's administrator to activate this deployment of Korea Reader.",
)
NO_ROLE = Refusal(
    403,
    "Korea Reader has no place for your role in this course",
    "It opens for the course's instructors, teaching assistants and students.",
    "Ask your teacher to add you to the course as a student.",
)
OTHER_TARGET = Refusal(
    400,
    "This launch is meant for another tool",
    "The launch names a target link outside Korea Reader.",
    f"Ask your teacher to check the Korea Reader link in the course. {ADMIN}",
)
NOT_YET = Refusal(
    400,
    "Korea Reader cannot open this kind of launch yet",
    "It opens links to readings and assignments from the course.",
    AGAIN,
)
ONLY_TEACHERS_ADD = Refusal(
    403,
    "Only the course's teachers can add Korea Reader to it",
    "Adding Korea Reader to a module chooses an assignment for the whole class, which the "
    "course's instructors and teaching assistants do.",
    "Open the Korea Reader link your teacher put in the course instead.",
)
OTHER_COURSE = Refusal(
    403,
    "This link opens an assignment of another course",
    "The link names a Korea Reader assignment that is not in this course's class: it was "
    "copied from another course (a copied course keeps the old course's links), or the "
    "assignment was deleted.",
    "Ask your teacher to add Korea Reader to this course again and choose the assignment "
    "there; the old course's work stays in the old course.",
)
NO_DEEP_LINKING = Refusal(
    404,
    "There is no request from the course to answer",
    "This page answers the LMS when a teacher adds Korea Reader to a course, and no such "
    "request is open in this browser: it was answered already, or it began elsewhere.",
    "Add Korea Reader to the module again from the course in the LMS.",
)
LOGIN = Refusal(
    400,
    "The sign-in from the course could not start",
    "The LMS's request to sign you in is missing what Korea Reader needs (the LMS, your "
    "sign-in hint or the target link), or names an LMS that is not registered.",
    f"{AGAIN} {ADMIN}",
)

# pylti1p3's messages, by how they start.
REFUSALS = [
    ("Missing state param", UNREADABLE),
    ("State not found", NOT_THIS_BROWSER),
    ("Missing %s cookie", NOT_THIS_BROWSER),
    ("Invalid Nonce", USED),
    ('"nonce" is empty', INCOMPLETE),
    ("Registration not found", UNREGISTERED),
    ("Client id not registered", UNREGISTERED),
    ("azp is not our client id", UNREGISTERED),
    ("Can't decode id_token: Signature has expired", EXPIRED),
    ("Can't decode id_token: The token is not yet valid", EXPIRED),
    ("Can't decode id_token: Token is missing", INCOMPLETE),
    ("Can't decode id_token", UNVERIFIED),
    ("JWT KID not found", UNVERIFIED),
    ("JWT ALG not found", UNVERIFIED),
    ("Unable to find public key", UNVERIFIED),
    ("Can't convert JWT key", UNVERIFIED),
    ("Error during fetch URL", UNVERIFIED),
    ("Invalid response from", UNVERIFIED),
    ("Invalid URL", UNVERIFIED),
    ("Missing id_token", UNREADABLE),
    ("Invalid id_token", UNREADABLE),
    ("Invalid JWT format", UNREADABLE),
]


def refusal_for(error: Exception) -> Refusal:
    text = str(error)
    for start, refusal in REFUSALS:
        if text.startswith(start):
            return refusal
    return INCOMPLETE  # the message checks: no sub, version, roles, type, resource link


def refuse(request: HttpRequest, refusal: Refusal, detail: str = "") -> TemplateResponse:
    """The page, and one warning for the administrator (what pylti1p3 said)."""
    log.warning(
        "LTI refused (%s) for %s: %s %s",
        request.path,
        request.META.get("REMOTE_ADDR"),
        refusal.title,
        detail,
    )
    return TemplateResponse(
        request, "lti/refused.html", {"refusal": refusal}, status=refusal.status
    )
