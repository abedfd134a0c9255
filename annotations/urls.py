from django.urls import path

from annotations import views

urlpatterns = [
    path("", views.library, name="library"),
    path("documents/<slug:slug>/", views.document_detail, name="document"),
    path("healthz", views.healthz, name="healthz"),
]
