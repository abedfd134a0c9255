"""What ties django-lti's records to ours (in the annotations app, migration 0016)."""

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
    # The gradebook column the LMS made for the link (AGS claim "lineitem", kept from the
    # latest launch that names it): where this assignment's scores go.
    line_item_url = models.URLField(max_length=1000, blank=True)

    class Meta:
        app_label = "annotations"

    def __str__(self) -> str:
        return f"{self.resource_link} → {self.assignment}"
