from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Korea Reader"

    def ready(self):
        from annotations import checks, signals  # noqa: F401 (registers, connects)
