from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "teis.audit"
    label = "audit"
    verbose_name = "安全审计"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.backends.signals import connection_created

        from teis.core import ports

        from . import db_guard, services, tables  # noqa: F401

        ports.provide(audit_record=services.record, audit_snapshot=services.snapshot, audit_diff=services.diff)

        connection_created.connect(db_guard.register_sqlite_function, dispatch_uid="teis_audit_sqlite_guard")
        if settings.TESTING:
            db_guard.allow_test_flush()
