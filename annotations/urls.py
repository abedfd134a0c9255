from django.urls import path

from annotations.views import documents, highlights

urlpatterns = [
    path("", documents.library, name="library"),
    path("documents/<slug:slug>/", documents.document_detail, name="document"),
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
    path("healthz", documents.healthz, name="healthz"),
]
