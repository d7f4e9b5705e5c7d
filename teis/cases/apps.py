from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "teis.cases"
    label = "cases"
    verbose_name = "案件办理"

    def ready(self) -> None:
        from . import tables  # noqa: F401
        from .services.case import register_listeners

        register_listeners()
