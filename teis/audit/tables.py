"""The audit administrator's read-only pages and API; nobody can edit or delete records through them."""

from teis.core.registry import ModelConfig, registry

from .filters import AuditRecordFilterSet
from .models import AuditAlert, AuditArchive, AuditRecord


class ReadOnlyAudit(ModelConfig):
    ui_read_only = True
    api_read_only = True
    menu_group = "审计管理"


@registry.register
class AuditRecordConfig(ReadOnlyAudit):
    model = AuditRecord
    filterset = AuditRecordFilterSet
    list_columns = ["at", "category", "action", "actor_name", "unit_name", "ip", "object_type", "object_repr"]
    sortable = ["at", "action", "actor_name", "unit_name"]
    detail_fields = [
        "at",
        "category",
        "action",
        "actor_name",
        "unit_name",
        "ip",
        "user_agent",
        "object_type",
        "object_id",
        "object_repr",
        "changes",
        "detail",
        "prev_hash",
        "hash",
    ]
    ordering = ["-id"]
    menu_label = "审计日志"
    menu_icon = "bi-journal-check"
    menu_order = 10


@registry.register
class AuditAlertConfig(ReadOnlyAudit):
    model = AuditAlert
    list_columns = ["at", "rule", "subject", "message", "acknowledged"]
    menu_label = "异常告警"
    menu_icon = "bi-exclamation-triangle"
    menu_order = 20


@registry.register
class AuditArchiveConfig(ReadOnlyAudit):
    model = AuditArchive
    list_columns = ["created_at", "file_name", "first_id", "last_id", "count", "sm3"]
    menu_label = "审计归档"
    menu_icon = "bi-archive"
    menu_order = 30
