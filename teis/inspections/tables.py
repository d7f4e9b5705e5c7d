"""What core shows of 双随机一公开: lists, forms, API, menu (group "双随机") and the declared actions of a plan
(冻结名单, 执行抽取, 公示结果)."""

from django.urls import reverse

from teis.core import actions
from teis.core.actions import Action
from teis.core.registry import MenuEntry, ModelConfig, registry

from .choices import PlanStatus, TaskStatus
from .filters import DeclaredRelationFilterSet, InspectionWarningFilterSet
from .forms import InspectorForm, PlanForm
from .models import (
    CheckItem,
    DeclaredRelation,
    InspectionIndicator,
    InspectionObject,
    InspectionPlan,
    InspectionTask,
    InspectionWarning,
    Inspector,
    RequiredCheckQuota,
)
from .services import plans as plan_services
from .services.indicators import IndicatorService
from .services.plans import PlanService
from .services.pools import InspectionObjectService, InspectorService


class InspectionsModelConfig(ModelConfig):
    menu_group = "双随机"


@registry.register
class InspectionPlanConfig(InspectionsModelConfig):
    model = InspectionPlan
    form = PlanForm
    service = PlanService()
    list_columns = ["code", "name", "level", "unit", "year", "draw_count", "draw_percent", "status", "created_at"]
    menu_label = "抽查计划"
    menu_icon = "bi-shuffle"
    menu_order = 10

    @classmethod
    def detail_actions(cls, obj, user):
        return [("抽取与结果", reverse("inspections:plan_board", args=[obj.pk]), "bi-dice-5")]


@registry.register
class InspectionTaskConfig(InspectionsModelConfig):
    model = InspectionTask
    ui_read_only = True
    api_read_only = True
    list_columns = ["code", "plan", "inspection_object", "unit", "deadline", "status", "result", "inspected_on"]
    menu_label = "检查任务"
    menu_icon = "bi-clipboard-check"
    menu_order = 20

    @classmethod
    def queryset_for(cls, user):
        return super().queryset_for(user).distinct()

    @classmethod
    def api_queryset_for(cls, user):
        return super().api_queryset_for(user).distinct()

    @classmethod
    def detail_actions(cls, obj, user):
        label = "录入检查结果" if obj.status == TaskStatus.PENDING else "检查记录"
        return [(label, reverse("inspections:task_execute", args=[obj.pk]), "bi-pencil-square")]


@registry.register
class InspectionObjectConfig(InspectionsModelConfig):
    model = InspectionObject
    service = InspectionObjectService()
    rule_fields_writable = {
        "status": "经营状态 comes from the registry of the object and is kept by its keeper",
        "last_inspected_on": "the last inspection before TEIS is entered with the object; later ones set it",
    }
    form_fields = [
        "name",
        "credit_code",
        "kind",
        "industry",
        "district",
        "address",
        "unit",
        "credit_rating",
        "risk_level",
        "last_inspected_on",
        "status",
    ]
    list_columns = [
        "name",
        "credit_code",
        "kind",
        "industry",
        "district",
        "unit",
        "credit_rating",
        "risk_level",
        "last_inspected_on",
        "status",
    ]
    menu_label = "检查对象库"
    menu_icon = "bi-buildings"
    menu_order = 30


@registry.register
class InspectorConfig(InspectionsModelConfig):
    model = Inspector
    form = InspectorForm
    service = InspectorService()
    list_columns = ["officer", "officer__unit", "officer__certificate_number", "district", "is_available"]
    menu_label = "检查人员库"
    menu_icon = "bi-person-badge"
    menu_order = 40

    @classmethod
    def queryset_for(cls, user):
        return super().queryset_for(user).select_related("officer__unit")


@registry.register
class DeclaredRelationConfig(InspectionsModelConfig):
    model = DeclaredRelation
    filterset = DeclaredRelationFilterSet
    list_columns = ["inspector", "inspection_object", "description", "declared_on"]
    form_fields = ["inspector", "inspection_object", "description", "declared_on"]
    menu_label = "利害关系申报"
    menu_icon = "bi-link-45deg"
    menu_order = 50

    @classmethod
    def queryset_for(cls, user):
        return super().queryset_for(user).select_related("inspector__officer")


@registry.register
class CheckItemConfig(InspectionsModelConfig):
    model = CheckItem
    list_columns = ["code", "name", "industry", "indicator", "is_active"]
    form_fields = ["code", "name", "industry", "requirement", "indicator", "is_active"]
    menu_label = "检查事项"
    menu_icon = "bi-list-check"
    menu_order = 60


@registry.register
class InspectionIndicatorConfig(InspectionsModelConfig):
    model = InspectionIndicator
    service = IndicatorService()
    list_columns = ["plan", "name", "kind", "direction", "target", "unit", "actual", "is_met", "computed_at"]
    form_fields = ["plan", "name", "kind", "direction", "target", "unit", "warn_percent", "remark"]
    menu_label = "检查指标"
    menu_icon = "bi-bullseye"
    menu_order = 65

    @classmethod
    def queryset_for(cls, user):
        return super().queryset_for(user).select_related("plan", "unit")

    @classmethod
    def detail_actions(cls, obj, user):
        return [("抽取与结果", reverse("inspections:plan_board", args=[obj.plan_id]), "bi-dice-5")]


@registry.register
class RequiredCheckQuotaConfig(InspectionsModelConfig):
    model = RequiredCheckQuota
    list_columns = ["year", "unit", "industry", "required_count", "progress_threshold"]
    form_fields = ["year", "unit", "industry", "required_count", "progress_threshold", "remark"]
    menu_label = "检查企业数配置"
    menu_icon = "bi-123"
    menu_order = 70


@registry.register
class InspectionWarningConfig(InspectionsModelConfig):
    model = InspectionWarning
    filterset = InspectionWarningFilterSet
    ui_read_only = True
    api_read_only = True
    list_columns = ["kind", "plan", "task", "unit", "message", "status", "created_at"]
    menu_label = "检查预警"
    menu_icon = "bi-exclamation-triangle"
    menu_order = 80


registry.add_menu(
    MenuEntry(
        "我的检查任务", "inspections:my_tasks", "inspections.view_inspectiontask", "双随机", "bi-person-check", 15
    )
)
registry.add_menu(
    MenuEntry("统计分析", "inspections:statistics", "inspections.view_inspectiontask", "双随机", "bi-bar-chart", 90)
)
registry.add_menu(
    MenuEntry(
        "检查对象导入", "inspections:object_import", "inspections.add_inspectionobject", "双随机", "bi-upload", 35
    )
)


# --- actions: the draw of a plan, declared once (teis.core.actions); each is irreversible ------------------------

_PLAN = "inspections.inspectionplan"
DRAW = "inspections.draw_inspectionplan"


def _plan_after(step):
    """run(actor, plan): the service's step, then the plan as it now is (the service returns its record / tasks)."""

    def run(actor, plan):
        result = step(actor, plan)
        fresh = InspectionPlan.objects.select_related("unit").get(pk=plan.pk)
        fresh.duty_tasks_created = getattr(result, "duty_tasks_created", 0)  # 公示: the tasks put into duty plans
        return fresh

    return run


actions.register(
    Action(
        _PLAN, "freeze", "冻结名单并生成种子承诺", DRAW,
        run=_plan_after(plan_services.do_freeze), states=(PlanStatus.DRAFT,), icon="bi-lock",
        extra={
            "confirm": "冻结后检查对象名单和执法人员名单不能再修改，并生成公开的随机种子承诺。确定冻结名单？",
            "done": "候选名单已冻结，随机种子承诺值已公布。",
        },
    )
)  # fmt: skip
actions.register(
    Action(
        _PLAN, "draw", "执行抽取", DRAW,
        run=_plan_after(plan_services.do_draw), states=(PlanStatus.FROZEN,), icon="bi-dice-5", style="danger",
        extra={
            "confirm": "将用已承诺的种子随机抽取检查对象并匹配执法人员、生成检查任务；抽取只能执行一次，结果不可重抽。"
            "确定执行抽取？",
            "done": "抽取完成，检查任务已下发，随机种子已公开。",
        },
    )
)  # fmt: skip
actions.register(
    Action(
        _PLAN, "publish", "公示结果", DRAW,
        run=_plan_after(plan_services.do_publish), states=(PlanStatus.DRAWN,), icon="bi-megaphone", style="success",
        extra={
            "confirm": "公示后抽查结果（检查对象、执法人员、期限）将对外公开，不可撤回。确定公示结果？",
            "done": "抽取结果已公示。",
        },
    )
)  # fmt: skip
