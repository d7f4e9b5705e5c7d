"""What core shows of 投诉信访: lists, forms, API, menu (group "投诉信访")."""

from django.urls import reverse

from teis.core.masking import mask_generic, mask_id_number, mask_name, mask_phone
from teis.core.registry import MenuEntry, ModelConfig, registry

from .filters import DeadlineRuleFilterSet, PetitionFilterSet, PetitionSupervisionFilterSet
from .models import DeadlineRule, Petition, PetitionSupervision
from .services.intake import deadline_rule_service


class PetitionsModelConfig(ModelConfig):
    menu_group = "投诉信访"


@registry.register
class PetitionConfig(PetitionsModelConfig):
    """信访件: created and moved only through the petition services (pages under /petitions/)."""

    model = Petition
    list_columns = [
        "code",
        "title",
        "kind",
        "channel",
        "category",
        "status",
        "current_step",
        "unit",
        "registered_at",
        "finish_due",
        "closed_at",
        "satisfaction",
        "supervised",
    ]
    filterset = PetitionFilterSet
    masked_fields = {
        "complainant_name": mask_name,
        "complainant_phone": mask_phone,
        "complainant_id_number": mask_id_number,
        "complainant_address": lambda v: mask_generic(v, 6, 0),
    }
    ui_read_only = True
    api_read_only = True
    menu_label = "信访件"
    menu_icon = "bi-chat-left-text"
    menu_order = 20

    @classmethod
    def detail_actions(cls, obj, user):
        return [("信访件详情", reverse("petitions:petition_page", args=[obj.pk]), "bi-chat-left-text")]


@registry.register
class DeadlineRuleConfig(PetitionsModelConfig):
    """办理时限 per channel, editable by administrators; non-positive values are refused by the service."""

    administration = True  # system configuration kept by the system administrator

    model = DeadlineRule
    list_columns = ["channel", "accept_days", "finish_days", "remind_days"]
    filterset = DeadlineRuleFilterSet
    menu_label = "办理时限设置"
    menu_icon = "bi-hourglass-split"
    menu_order = 80
    service = deadline_rule_service


@registry.register
class PetitionSupervisionConfig(PetitionsModelConfig):
    model = PetitionSupervision
    list_columns = ["petition", "kind", "unit", "due_date", "detected_at", "status", "supervisor", "supervised_at"]
    filterset = PetitionSupervisionFilterSet
    ui_read_only = True
    api_read_only = True
    menu_label = "信访督察"
    menu_icon = "bi-alarm"
    menu_order = 60


registry.add_menu(
    MenuEntry("信访登记", "petitions:register", "petitions.add_petition", "投诉信访", "bi-plus-square", 10)
)
registry.add_menu(MenuEntry("综合查询", "petitions:query", "petitions.view_petition", "投诉信访", "bi-search", 30))
registry.add_menu(
    MenuEntry("自定义查询", "petitions:query_custom", "petitions.view_petition", "投诉信访", "bi-funnel", 35)
)
registry.add_menu(MenuEntry("统计报表", "petitions:stats", "petitions.view_petition", "投诉信访", "bi-bar-chart", 40))
registry.add_menu(
    MenuEntry("信访专题", "petitions:dashboard", "petitions.view_petition", "投诉信访", "bi-speedometer2", 45)
)
