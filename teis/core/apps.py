from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "teis.core"
    label = "core"
    verbose_name = "公共基础"

    def ready(self) -> None:
        from . import tables  # noqa: F401
