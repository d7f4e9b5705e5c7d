from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "teis.org"
    label = "org"
    verbose_name = "组织人员"

    def ready(self) -> None:
        from teis.core import ports

        from . import scope, signals, tables  # noqa: F401

        ports.provide(
            scope_filter=scope.scope_filter,
            officer_of=scope.officer_with_unit,
            users_in_scope=scope.users_in_scope,
            unit_paths=scope.unit_paths,
        )
