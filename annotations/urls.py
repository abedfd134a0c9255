from django.urls import path

from annotations import views

urlpatterns = [
    path("", views.library, name="library"),
    path("documents/<slug:slug>/", views.document_detail, name="document"),
    path(
        "documents/<slug:slug>/highlights/", views.document_highlights, name="document_highlights"
    ),
    path("documents/<slug:slug>/highlights/new/", views.highlight_create, name="highlight_create"),
    path("highlights/", views.my_highlights, name="my_highlights"),
    path("highlights/<int:pk>/", views.highlight_detail, name="highlight"),
    path("highlights/<int:pk>/edit/", views.highlight_edit, name="highlight_edit"),
    path("highlights/<int:pk>/delete/", views.highlight_delete, name="highlight_delete"),
    path("tags/<str:slug>/", views.tag_detail, name="tag"),
    path("tag-suggestions/", views.tag_suggestions, name="tag_suggestions"),
    path("healthz", views.healthz, name="healthz"),
]
