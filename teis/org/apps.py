from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "teis.org"
    label = "org"
    verbose_name = "组织人员"

    def ready(self) -> None:
        from . import signals, tables  # noqa: F401
