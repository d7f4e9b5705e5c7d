from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "teis.dispatch"
    label = "dispatch"
    verbose_name = "指挥调度"

    def ready(self) -> None:
        from . import tables  # noqa: F401
        from .services import approvals

        approvals.register_listeners()
