from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "teis.finance"
    label = "finance"
    verbose_name = "票证与罚没款"

    def ready(self) -> None:
        from . import tables  # noqa: F401
        from .services.fines import register_listeners

        register_listeners()
