"""Grades for the LMS's gradebook: the teacher's "Send grades" (annotations/lti/grades.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseRedirect
from django.views.decorators.http import require_POST

from annotations.access import get_assignment_for_user
from annotations.lti.grades import queue_class
from annotations.throttles import write_limit

NOT_IN_LMS = (
    "This assignment has no column in an LMS gradebook (it was not added to a course "
    "from the LMS), so there is nothing to send."
)


@login_required
@require_POST
@write_limit("classes")
def assignment_send_grades(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """Queue every student's score for the LMS again; the sender posts them. The button
    carries no fields, so there is no form to read."""
    assignment, _ = get_assignment_for_user(request, pk, teach=True)
    if not assignment.lti_links.exists():
        messages.error(request, NOT_IN_LMS)
        return HttpResponseRedirect(assignment.get_absolute_url())
    queued = queue_class(assignment=assignment)
    text = f"{queued.queued} score{'' if queued.queued == 1 else 's'} will be sent to the LMS."
    if queued.not_in_lms:
        text += (
            f" {queued.not_in_lms} student{' has' if queued.not_in_lms == 1 else 's have'} "
            "not opened Korea Reader from the LMS yet, so the LMS cannot take their score."
        )
    messages.success(request, text)
    return HttpResponseRedirect(assignment.get_absolute_url())
