from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "teis.analytics"
    label = "analytics"
    verbose_name = "统计分析"

    def ready(self) -> None:
        from . import facts, tables  # noqa: F401  (declares the facts, registers models, actions and menus)
