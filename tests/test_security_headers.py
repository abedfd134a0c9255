"""The headers every page carries, and the account rules that guard students' work."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.helpers import HTMX

PAGES = ["library", "glossary", "login"]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


@pytest.mark.parametrize("name", PAGES)
def test_the_content_security_policy_allows_nothing_inline(client, documents, name):
    csp = policy(client.get(reverse(name)))

    for directive in ("default-src", "script-src", "style-src"):
        assert csp[directive] == ["'self'"], directive
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]


def test_the_reading_view_and_htmx_fragments_carry_the_policy_too(client, student, document):
    client.force_login(student)

    page = client.get(reverse("document", args=[document.slug]))
    fragment = client.get(
        reverse("highlight_create", args=[document.slug]),
        {"paragraph": 1, "from": 1, "to": 1},
        headers=HTMX,
    )

    for response in (page, fragment):
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("name", PAGES)
def test_the_usual_security_headers(client, documents, name):
    response = client.get(reverse(name))

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_templates_hold_no_inline_script_style_or_handler():
    """What the policy would block, caught before a browser does."""
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"\sstyle=|<style", text), f"{template}: inline style"
        assert not re.search(r"\son[a-z]+=", text), f"{template}: inline event handler"
        for tag in re.findall(r"<script[^>]*>", text):
            assert " src=" in tag, f"{template}: inline script {tag}"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("8475920183746", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused(student, password, reason):
    with pytest.raises(ValidationError, match=reason):
        validate_password(password, user=student)


def test_a_password_like_the_user_name_is_refused(student):
    with pytest.raises(ValidationError, match="too similar"):
        validate_password(student.username + "x", user=student)
