from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Korea Reader"

    def ready(self):
        from annotations import signals  # noqa: F401 (connects the receivers)
