from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "teis.audit"
    label = "audit"
    verbose_name = "安全审计"

    def ready(self) -> None:
        from . import tables  # noqa: F401
