from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "teis.core"
    label = "core"
    verbose_name = "公共基础"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from . import checks, tables  # noqa: F401

        # Every app's periodic jobs are registered at start-up, so the web process (operations page) knows
        # them as well as the worker does.
        autodiscover_modules("tasks")
