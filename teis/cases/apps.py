from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "teis.cases"
    label = "cases"
    verbose_name = "案件办理"

    def ready(self) -> None:
        from . import tables  # noqa: F401
        from .services.case import register_listeners
        from .step_forms import register as register_step_forms

        register_listeners()
        register_step_forms()
