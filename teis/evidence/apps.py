from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "teis.evidence"
    label = "evidence"
    verbose_name = "执法证据中心"

    def ready(self) -> None:
        from . import anomaly, case_port, tables, tasks  # noqa: F401

        anomaly.register()
        case_port.provide()
