from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "teis.cases"
    label = "cases"
    verbose_name = "案件办理"

    def ready(self) -> None:
        from . import tables, tables_custody, tables_objects  # noqa: F401
        from .services.case import register_listeners
        from .services.record import register_step_handlers
        from .step_forms import register as register_step_forms
        from .views.case import register_panels

        register_listeners()
        from .services.simplified import register_listener as register_simplified_listener

        register_simplified_listener()  # after the case listener: it reads the status that one sets
        register_step_forms()
        register_step_handlers()
        register_panels()
