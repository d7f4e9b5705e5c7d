"""What core shows of case handling: lists, forms, API, menu (filled in by the cases work)."""

from teis.core.registry import ModelConfig, registry

from .models import CaseProperty, EnforcementCase


class CasesConfig(ModelConfig):
    menu_group = "案件办理"


@registry.register
class EnforcementCaseConfig(CasesConfig):
    model = EnforcementCase
    list_columns = ["case_code", "title", "procedure", "status", "current_step", "unit", "handler", "filed_at"]
    ui_read_only = True  # cases are created and moved only through the case services and the workflow
    api_read_only = True
    menu_label = "案件查询"
    menu_icon = "bi-folder2-open"
    menu_order = 20


@registry.register
class CasePropertyConfig(CasesConfig):
    model = CaseProperty
    list_columns = ["description", "kind", "case", "keeper_unit", "status", "seized_at", "custody_until"]
    ui_read_only = True
    api_read_only = True
    menu_label = "涉案财物"
    menu_icon = "bi-box-seam"
    menu_order = 50
