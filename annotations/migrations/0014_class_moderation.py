"""Moderation belongs to a class (issue "Hardening", finding 3).

A hide was one flag on the highlight, seen and undone by any teacher of its author; it
is now a row per class (ClassHide), and a reply says the class it was made in. The
existing hides and replies are carried over, in SQL (a district has many):

- a hidden highlight in an assignment is hidden in the assignment's class; one outside
  assignments in every class its author is a student of, which is what the flag did;
- a reply in an assignment was made in its class; one outside assignments in the oldest
  class in which its writer teaches the author (as access.moderation_classes chooses),
  or in none if they no longer do: then only its writer and the author see it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

HIDES = """
    INSERT INTO annotations_classhide (highlight_id, classroom_id, hidden_by_id, created)
    SELECT h.id, a.classroom_id, NULL::integer, now()
      FROM annotations_highlight h JOIN annotations_assignment a ON a.id = h.assignment_id
     WHERE h.hidden
    UNION ALL
    SELECT h.id, m.classroom_id, NULL::integer, now()
      FROM annotations_highlight h
      JOIN annotations_membership m ON m.user_id = h.owner_id AND m.role = 'student'
     WHERE h.hidden AND h.assignment_id IS NULL
    ON CONFLICT DO NOTHING
"""
HIDES_BACK = """
    UPDATE annotations_highlight SET hidden = true
     WHERE id IN (SELECT highlight_id FROM annotations_classhide)
"""
REPLIES = """
    UPDATE annotations_reply r SET classroom_id = a.classroom_id
      FROM annotations_highlight h JOIN annotations_assignment a ON a.id = h.assignment_id
     WHERE h.id = r.highlight_id;
    UPDATE annotations_reply r SET classroom_id = (
        SELECT min(t.classroom_id)
          FROM annotations_membership t
          JOIN annotations_membership s ON s.classroom_id = t.classroom_id
         WHERE t.user_id = r.author_id AND t.role = 'teacher'
           AND s.user_id = h.owner_id AND s.role = 'student')
      FROM annotations_highlight h
     WHERE h.id = r.highlight_id AND h.assignment_id IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0013_log_in_locks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="reply",
            name="classroom",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="replies",
                to="annotations.classroom",
            ),
        ),
        migrations.CreateModel(
            name="ClassHide",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created", models.DateTimeField(auto_now_add=True)),
                (
                    "classroom",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="hides",
                        to="annotations.classroom",
                    ),
                ),
                (
                    "hidden_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "highlight",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="class_hides",
                        to="annotations.highlight",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["classroom", "highlight"], name="hide_class_highlight")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("highlight", "classroom"), name="one_hide_per_highlight_and_class"
                    )
                ],
            },
        ),
        migrations.RunSQL(HIDES, HIDES_BACK),
        migrations.RunSQL(REPLIES, migrations.RunSQL.noop),
        migrations.RemoveField(model_name="highlight", name="hidden"),
    ]
