"""What ties django-lti's records to ours (in the annotations app, migrations 0016, 0017),
and the outbox of scores for the LMS's gradebook."""

from django.conf import settings
from django.db import models
from lti_tool.models import LtiContext, LtiResourceLink


class ClassLink(models.Model):
    """An LMS course (django-lti's LtiContext) and the Korea Reader class it became."""

    classroom = models.OneToOneField(
        "annotations.Classroom", on_delete=models.CASCADE, related_name="lti_link"
    )
    context = models.OneToOneField(LtiContext, on_delete=models.CASCADE, related_name="class_link")
    # The roster from the LMS (annotations/lti/roster.py): when it last came in, and when
    # and why it last could not be read (cleared by the next sync that succeeds).
    roster_synced = models.DateTimeField(null=True, blank=True)
    roster_failed = models.DateTimeField(null=True, blank=True)
    roster_failure = models.CharField(max_length=300, blank=True)

    class Meta:
        app_label = "annotations"

    def __str__(self) -> str:
        return f"{self.context} → {self.classroom}"


class AssignmentLink(models.Model):
    """A resource link in the LMS that opens one assignment (deep linking makes these)."""

    resource_link = models.OneToOneField(
        LtiResourceLink, on_delete=models.CASCADE, related_name="assignment_link"
    )
    assignment = models.ForeignKey(
        "annotations.Assignment", on_delete=models.CASCADE, related_name="lti_links"
    )
    # The line item (gradebook column) scores go to: the launch's AGS claim `lineitem`,
    # or the one found or made by resourceId in the course's `lineitems`.
    line_item_url = models.URLField(max_length=1000, blank=True)

    class Meta:
        app_label = "annotations"

    def __str__(self) -> str:
        return f"{self.resource_link} → {self.assignment}"


class GradeSendQuerySet(models.QuerySet):
    def due(self, now):
        return self.filter(state=GradeSend.State.PENDING, next_attempt_at__lte=now)

    def latest_per_student(self, assignment) -> dict:
        """Each student's newest send on `assignment`'s LMS links (one query): what the
        teacher sees, sent, waiting or failed."""
        rows = self.filter(link__assignment=assignment).order_by("timestamp", "pk")
        return {send.student_id: send for send in rows.only(*GradeSend.SHOWN)}


class GradeSend(models.Model):
    """One score for the LMS's gradebook (Assignment and Grade Services), in the outbox.

    Written when a student's progress on a linked assignment changes (or the teacher
    presses "Send grades"), sent by `manage.py send_grades`. A student has at most one
    waiting send per link: a newer score replaces its content (and timestamp), so what
    the LMS gets is never an older score after a newer one.
    """

    class State(models.TextChoices):
        PENDING = "pending", "waiting to send"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"

    SHOWN = (
        "student",
        "state",
        "score",
        "timestamp",
        "sent_at",
        "last_error",
        "next_attempt_at",
    )

    link = models.ForeignKey(AssignmentLink, on_delete=models.CASCADE, related_name="grade_sends")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grade_sends"
    )
    score = models.PositiveSmallIntegerField()  # scoreGiven, out of 100
    comment = models.CharField(max_length=200)
    activity_progress = models.CharField(max_length=20)
    timestamp = models.DateTimeField()  # the score's time; the LMS ignores an older one
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = GradeSendQuerySet.as_manager()

    class Meta:
        app_label = "annotations"
        constraints = [
            models.UniqueConstraint(
                fields=["link", "student"],
                condition=models.Q(state="pending"),
                name="one_pending_grade_send",
            ),
            models.CheckConstraint(condition=models.Q(score__lte=100), name="grade_send_score"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state="pending"),
                name="grade_send_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.score}/100 for {self.student_id} on {self.link_id} ({self.state})"
