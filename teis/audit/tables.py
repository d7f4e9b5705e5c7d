"""The audit administrator's read-only pages and API; nobody can edit or delete records through them."""

from teis.core.registry import ModelConfig, registry
from teis.core.services import GenericService, ServiceError

from .filters import AuditRecordFilterSet
from .models import AnomalyRule, AuditAlert, AuditArchive, AuditRecord


class ReadOnlyAudit(ModelConfig):
    ui_read_only = True
    api_read_only = True
    menu_group = "审计管理"


@registry.register
class AuditRecordConfig(ReadOnlyAudit):
    model = AuditRecord
    filterset = AuditRecordFilterSet
    list_columns = ["at", "category", "action", "actor_label", "unit_name", "ip", "object_type_label", "object_repr"]
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
    # Exporting the trail needs its own permission besides viewing it (checked by core's export view).
    export_permission = "audit.export_auditrecord"
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


class AnomalyRuleService(GenericService):
    """The four rules are fixed (one per kind); only their thresholds, windows and hours change."""

    def do_create(self, actor, model, data):
        raise ServiceError("rule_fixed", "异常规则由系统预置，不能新增；请修改已有规则。")

    def do_delete(self, actor, obj):
        raise ServiceError("rule_fixed", "异常规则由系统预置，不能删除；可将其停用。")

    def do_update(self, actor, obj, data):
        errors = {}
        for name in ("start_hour", "end_hour"):
            if name in data and not 0 <= int(data[name]) <= 23:
                errors[name] = ["应在 0 到 23 之间"]
        for name in ("threshold", "window_minutes"):
            if name in data and int(data[name]) < 1:
                errors[name] = ["须为正数"]
        if errors:
            raise ServiceError("rule_invalid", "异常规则参数无效。", errors)
        return super().do_update(actor, obj, data)


@registry.register
class AnomalyRuleConfig(ModelConfig):
    model = AnomalyRule
    service = AnomalyRuleService()
    form_fields = ["enabled", "threshold", "window_minutes", "start_hour", "end_hour"]
    list_columns = ["kind", "enabled", "threshold", "window_minutes", "start_hour", "end_hour"]
    ordering = ["kind"]
    api_read_only = True
    menu_group = "审计管理"
    menu_label = "异常规则"
    menu_icon = "bi-sliders"
    menu_order = 25
