from django.urls import path

from annotations.views import (
    classroom,
    corrections,
    curation,
    documents,
    export,
    glossary,
    highlights,
)

urlpatterns = [
    path("", documents.library, name="library"),
    path("documents/<slug:slug>/", documents.document_detail, name="document"),
    path(
        "documents/<slug:slug>/corrections/",
        corrections.document_corrections,
        name="document_corrections",
    ),
    path(
        "documents/<slug:slug>/highlights/",
        highlights.document_highlights,
        name="document_highlights",
    ),
    path(
        "documents/<slug:slug>/highlights/new/",
        highlights.highlight_create,
        name="highlight_create",
    ),
    path("highlights/", highlights.my_highlights, name="my_highlights"),
    path("highlights/<int:pk>/", highlights.highlight_detail, name="highlight"),
    path("highlights/<int:pk>/edit/", highlights.highlight_edit, name="highlight_edit"),
    path("highlights/<int:pk>/delete/", highlights.highlight_delete, name="highlight_delete"),
    path("tags/<str:slug>/", highlights.tag_detail, name="tag"),
    path("tag-suggestions/", highlights.tag_suggestions, name="tag_suggestions"),
    path("glossary/", glossary.glossary_index, name="glossary"),
    path("glossary/new/", curation.entry_create, name="glossary_entry_create"),
    path("glossary/<slug:slug>/", glossary.glossary_entry, name="glossary_entry"),
    path("glossary/<slug:slug>/edit/", curation.entry_edit, name="glossary_entry_edit"),
    path("glossary/<slug:slug>/merge/", curation.entry_merge, name="glossary_entry_merge"),
    path("classes/", classroom.classes, name="classes"),
    path("classes/new/", classroom.class_create, name="class_create"),
    path("classes/join/", classroom.class_join, name="class_join"),
    path("classes/<int:pk>/", classroom.class_detail, name="class"),
    path(
        "classes/<int:pk>/assignments/new/",
        classroom.assignment_create,
        name="assignment_create",
    ),
    path("assignments/", classroom.my_assignments, name="my_assignments"),
    path("assignments/<int:pk>/", classroom.assignment_detail, name="assignment"),
    path(
        "assignments/<int:pk>/documents/<slug:slug>/",
        classroom.assignment_document,
        name="assignment_document",
    ),
    path(
        "assignments/<int:pk>/students/<int:user_id>/",
        classroom.assignment_student,
        name="assignment_student",
    ),
    path("highlights/<int:pk>/hide/", classroom.highlight_hide, name="highlight_hide"),
    path("highlights/<int:pk>/replies/", classroom.reply_create, name="reply_create"),
    path("export/annotations.csv", export.annotations_csv, name="export_csv"),
    path("export/annotations.jsonld", export.annotations_jsonld, name="export_jsonld"),
    path("healthz", documents.healthz, name="healthz"),
]
