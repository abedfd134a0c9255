"""Demo accounts for development: never loaded with DEBUG off."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from annotations.anchoring import quote_at
from annotations.models import (
    Assignment,
    Classroom,
    Document,
    GlossaryEntry,
    Highlight,
    Membership,
)
from annotations.teachers import make_teacher
from annotations.writes import create_assignment, create_highlight

DEMO_PASSWORD = "korea1950"
DEMO_ACCOUNTS = [
    # username, first name, last name, role
    ("teacher", "Grace", "Park", "teacher"),
    ("student1", "Min-jun", "Kim", "student"),
    ("student2", "Sofia", "Alvarez", "student"),
    ("student3", "Sam", "Okafor", "student"),
]


@transaction.atomic
def create_demo_accounts() -> list[str]:
    """Create the demo accounts that do not exist yet; return their usernames."""
    User = get_user_model()
    created = []
    for username, first_name, last_name, role in DEMO_ACCOUNTS:
        user, was_created = User.objects.get_or_create(
            username=username, defaults={"first_name": first_name, "last_name": last_name}
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created.append(username)
        if role == "teacher":
            make_teacher(user)
    return created


def demo_logins_text(site: str = "http://127.0.0.1:8000") -> str:
    lines = [f"Demo logins (password {DEMO_PASSWORD}):"]
    lines += [
        f"  {username:<9} {first} {last} ({role})" for username, first, last, role in DEMO_ACCOUNTS
    ]
    classroom = Classroom.objects.filter(name="History 101").first()
    if classroom is not None:
        link = site.rstrip("/") + reverse("join", args=[classroom.join_code])
        lines.append(f"New students join History 101 at {link}")
    return "\n".join(lines)


# (student, article, passage, note, tags, glossary entries, shared with the class)
DEMO_HIGHLIGHTS = [
    (
        "student1",
        "stalins-hot-war",
        "Kim II Sung, was Stalin's puppet",
        "The traditionalist view. Does the archive support it?",
        ["historiography"],
        ["kim-il-sung", "joseph-stalin"],
        True,
    ),
    (
        "student1",
        "stalin-and-korean-war",
        "the Soviet dictator liked to work at night",
        "",
        ["Stalin"],
        ["joseph-stalin"],
        True,
    ),
    (
        "student1",
        "korean-war-view-from-the-other-side",
        "Stalin manipulated him – along with Mao Zedong",
        "Proxy war: Stalin keeps the US busy in Asia.",
        ["proxy war", "Stalin"],
        ["joseph-stalin", "mao-zedong"],
        True,
    ),
    (
        "student2",
        "stalins-hot-war",
        "The newly opened archives of the Soviet Union",
        "Why did the archives open in 1992?",
        ["archives", "evidence"],
        ["soviet-archives"],
        True,
    ),
    (
        "student2",
        "korean-war-view-from-the-other-side",
        "Russian State Archive of Social and Political History",
        "",
        ["archives"],
        ["rgaspi"],
        False,
    ),
]


@transaction.atomic
def create_demo_classroom(*, now=None) -> Classroom | None:
    """History 101 with the demo accounts, an assignment and a few highlights.

    Does nothing if the class exists already, so it never duplicates demo work; needs
    the articles and the glossary loaded.
    """
    User = get_user_model()
    if Classroom.objects.filter(name="History 101").exists():
        return None
    if Document.objects.count() < 3:
        raise LookupError("Load the articles and the glossary first (make run does).")
    now = now or timezone.now()
    classroom = Classroom.objects.create(name="History 101")
    for username, _first, _last, role in DEMO_ACCOUNTS:
        Membership.objects.create(
            classroom=classroom, user=User.objects.get(username=username), role=role
        )
    assignment = create_assignment(
        classroom=classroom,
        title="Who started the Korean War?",
        instructions=(
            "Read the three articles. Highlight at least three passages that show what "
            "Stalin, Mao and Kim Il-sung each wanted, and say in a note what the evidence "
            "is. Link each highlight to the people it is about."
        ),
        due=now + timedelta(days=7),
        min_highlights=3,
        suggested_tags=["evidence", "motive", "archives"],
        visibility=Assignment.Visibility.AFTER_MINIMUM,
        documents=Document.objects.all(),
        required_entries=GlossaryEntry.objects.filter(slug__in=["joseph-stalin", "kim-il-sung"]),
    )
    for username, slug, passage, note, tags, entries, shared in DEMO_HIGHLIGHTS:
        document = Document.objects.get(slug=slug)
        start = document.text.index(passage)
        create_highlight(
            owner=User.objects.get(username=username),
            document=document,
            anchor=quote_at(document.text, start, start + len(passage)),
            note=note,
            tags=tags,
            visibility=Highlight.Visibility.CLASS if shared else Highlight.Visibility.PRIVATE,
            glossary_entries=GlossaryEntry.objects.filter(slug__in=entries),
            assignment=assignment,
        )
    return classroom
