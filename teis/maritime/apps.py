from django.apps import AppConfig


class MaritimeConfig(AppConfig):
    name = "teis.maritime"
    label = "maritime"
    verbose_name = "水上执法"

    def ready(self) -> None:
        from . import tables  # noqa: F401
