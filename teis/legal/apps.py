from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "teis.legal"
    label = "legal"
    verbose_name = "法律法规"

    def ready(self) -> None:
        from . import tables  # noqa: F401
