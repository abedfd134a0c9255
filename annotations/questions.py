"""Questions and marks: what a card shows of them, and "Where the class is stuck", the
teacher's list of the passages an assignment's questions are about.

A highlight's author may mark it a question; classmates press "Same question" (on a
question) or "Helpful" (models.HighlightMark); the class's teacher marks a reply as the
answer (writes.set_answer). Pages show how many marked, never who.
"""

from dataclasses import dataclass, field

from django.urls import reverse

from annotations.models import Assignment, Document, Highlight
from annotations.progress import students_of

MARK_FIELDS = (
    "same_question_count",
    "helpful_count",
    "answered",
    "marked_same_question",
    "marked_helpful",
    "can_mark",
)
# What attach_marks finds for a highlight's author while nobody has marked it (a new one):
# no counts, no answer, and its author never marks their own.
UNMARKED = dict.fromkeys(MARK_FIELDS, False) | {"same_question_count": 0, "helpful_count": 0}


def attach_marks(highlight: Highlight, user) -> Highlight:
    """One highlight's marks as its card shows them to `user` (1 query), as
    HighlightQuerySet.with_marks_for gives them to a list of cards."""
    row = Highlight.objects.filter(pk=highlight.pk).with_marks_for(user).values(*MARK_FIELDS)
    for name, value in (row.first() or {}).items():
        setattr(highlight, name, value)
    return highlight


@dataclass
class StuckQuestion:
    highlight: Highlight
    url: str  # its place in the assignment's reading view

    @property
    def same_question(self) -> int:
        return self.highlight.same_question_count

    @property
    def answered(self) -> bool:
        return self.highlight.answered


@dataclass
class StuckPassage:
    """The questions about one paragraph (the one each starts in)."""

    document: Document
    paragraph: int | None
    questions: list[StuckQuestion] = field(default_factory=list)

    @property
    def same_question(self) -> int:
        return sum(question.same_question for question in self.questions)

    @property
    def unanswered(self) -> int:
        return sum(1 for question in self.questions if not question.answered)

    @property
    def weight(self) -> int:
        """How stuck: each question, and each classmate who has the same one."""
        return len(self.questions) + self.same_question


def where_stuck(assignment: Assignment, teacher) -> list[StuckPassage]:
    """The passages the class's questions in the assignment are about: those with a
    question nobody has answered first, then the most asked (questions plus "Same
    question" marks), then in reading order; in each, the unanswered and most shared
    questions first. Questions that lost their place in a corrected text are left out
    (their authors' work pages show them). 2 queries, however many questions."""
    documents = {document.pk: document for document in assignment.documents.all()}
    questions = (
        Highlight.objects.in_assignment(assignment)
        .filter(owner__in=students_of(assignment).values("pk"), is_question=True)
        .not_orphaned()
        .with_mark_counts()
        .with_hidden_for(teacher, assignment.classroom_id)
        .order_by()
    )
    passages: dict[tuple[int, int | None], StuckPassage] = {}
    for question in questions:
        document = documents.get(question.document_id)
        if document is None:  # an article the assignment no longer sets
            continue
        question.document = document
        number = document.paragraph_number_at(question.start)
        passage = passages.setdefault(
            (document.pk, number), StuckPassage(document=document, paragraph=number)
        )
        passage.questions.append(StuckQuestion(question, _place(assignment, question)))
    for passage in passages.values():
        passage.questions.sort(
            key=lambda q: (q.answered, -q.same_question, q.highlight.start, q.highlight.pk)
        )
    return sorted(
        passages.values(),
        key=lambda p: (
            not p.unanswered,
            -p.weight,
            p.document.position,
            p.paragraph or 0,
        ),
    )


def _place(assignment: Assignment, highlight: Highlight) -> str:
    """The highlight in the assignment's reading view; one a teacher hid is shown there
    only with the hidden ones painted."""
    url = reverse("assignment_document", args=[assignment.pk, highlight.document.slug])
    if highlight.hidden_here:
        url += "?hidden=1"
    return f"{url}#{highlight.anchor}"
