"""What core shows of 投诉信访: lists, forms, API, menu (group "投诉信访") and the declared actions (the steps of the
handling flow and of 督察)."""

from django.urls import reverse

from teis.core import actions
from teis.core.actions import Action
from teis.core.masking import mask_generic, mask_id_number, mask_name, mask_phone
from teis.core.registry import MenuEntry, ModelConfig, registry

from . import forms as f
from . import steps
from .choices import PetitionStatus, SupervisionStatus
from .filters import DeadlineRuleFilterSet, PetitionFilterSet, PetitionSupervisionFilterSet
from .models import DeadlineRule, Petition, PetitionSupervision
from .services import flow, supervision
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


# --- actions: the steps of the handling flow (processes/petition_*.bpmn) and of 督察, declared once ---------------
# The state lists say which step the petition is at; whose task it is (the unit and role the engine offers it to)
# is the service's rule (`flow.my_task`), and `offered_to` only shows the button to that person.

_PETITION = "petitions.petition"
HANDLE = "petitions.handle_petition"


def _at_step(step: str):
    return lambda petition: step in {t.spec_name for t in flow.active_tasks(petition)}


def _offered(step: str):
    return lambda user, petition: step in flow.available_actions(user, petition)


def _step_action(name, label, step, status, run, form, done, **kw):
    actions.register(
        Action(
            _PETITION, name, label, HANDLE, run=run, form=form, states=(status,), offered_to=_offered(step),
            extra={"done": done, **kw.pop("extra", {})}, **kw,
        )
    )  # fmt: skip


_step_action(
    "accept", "受理", steps.ACCEPT, PetitionStatus.REGISTERED,
    lambda actor, p, opinion: flow.do_accept(actor, p, accept=True, opinion=opinion),
    f.AcceptForm, "已办理受理",
)  # fmt: skip
_step_action(
    "reject", "不予受理", steps.ACCEPT, PetitionStatus.REGISTERED,
    lambda actor, p, opinion: flow.do_accept(actor, p, accept=False, opinion=opinion),
    f.RejectForm, "已办理受理", icon="bi-x-circle", style="danger",
    extra={"confirm": "不予受理后信访件即办结，不能再受理或派发。确定不予受理？"},
)  # fmt: skip
_step_action(
    "instruct", "批示", steps.INSTRUCT, PetitionStatus.INSTRUCTING,
    lambda actor, p, instruction: flow.do_instruct(actor, p, instruction=instruction),
    f.InstructForm, "已批示", icon="bi-pen",
)  # fmt: skip
_step_action(
    "dispatch", "派发", steps.DISPATCH, PetitionStatus.DISPATCHING,
    lambda actor, p, unit, opinion: flow.do_dispatch(actor, p, unit=unit, opinion=opinion),
    f.DispatchForm, "已派发", icon="bi-send",
)  # fmt: skip
_step_action(
    "handle", "提交办理结果", steps.HANDLE, PetitionStatus.HANDLING,
    lambda actor, p, result: flow.do_handle(actor, p, result=result),
    f.HandleForm, "已提交办理结果", applies=_at_step(steps.HANDLE), not_applicable="信访件当前不在承办处理环节。",
)  # fmt: skip
_step_action(
    "transfer", "转办", steps.HANDLE, PetitionStatus.HANDLING,
    lambda actor, p, unit, reason: flow.do_transfer(actor, p, unit=unit, reason=reason),
    f.TransferForm, "已转办", applies=_at_step(steps.HANDLE), not_applicable="信访件当前不在承办处理环节。",
    icon="bi-arrow-left-right", style="secondary",
)  # fmt: skip
_step_action(
    "return", "退回", steps.HANDLE, PetitionStatus.HANDLING,
    lambda actor, p, reason: flow.do_return(actor, p, reason=reason),
    f.ReturnForm, "已退回", applies=_at_step(steps.HANDLE), not_applicable="信访件当前不在承办处理环节。",
    icon="bi-arrow-return-left", style="warning",
)  # fmt: skip
_step_action(
    "review", "审核同意", steps.WATER_REVIEW, PetitionStatus.HANDLING,
    lambda actor, p, opinion: flow.do_review(actor, p, approve=True, opinion=opinion),
    f.ApproveOpinionForm, "已审核", applies=_at_step(steps.WATER_REVIEW),
    not_applicable="信访件当前不在水上执法审核环节。",
)  # fmt: skip
_step_action(
    "review_return", "审核退回重办", steps.WATER_REVIEW, PetitionStatus.HANDLING,
    lambda actor, p, opinion: flow.do_review(actor, p, approve=False, opinion=opinion),
    f.ReturnOpinionForm, "已审核", applies=_at_step(steps.WATER_REVIEW),
    not_applicable="信访件当前不在水上执法审核环节。", icon="bi-arrow-return-left", style="warning",
)  # fmt: skip
_step_action(
    "close", "同意结案", steps.CLOSE, PetitionStatus.CLOSING,
    lambda actor, p, opinion: flow.do_close(actor, p, approve=True, opinion=opinion),
    f.ApproveOpinionForm, "已办理结案审核", icon="bi-check2-all",
    extra={"confirm": "同意结案后信访件办结，不能再派发或办理。确定同意结案？"},
)  # fmt: skip
_step_action(
    "close_return", "退回重办", steps.CLOSE, PetitionStatus.CLOSING,
    lambda actor, p, opinion: flow.do_close(actor, p, approve=False, opinion=opinion),
    f.ReturnOpinionForm, "已办理结案审核", icon="bi-arrow-return-left", style="warning",
)  # fmt: skip
_step_action(
    "visit", "记录回访", steps.VISIT, PetitionStatus.VISITING,
    lambda actor, p, satisfaction, note: flow.do_visit(actor, p, satisfaction=satisfaction, note=note),
    f.VisitForm, "已记录回访，信访件办结", icon="bi-telephone",
)  # fmt: skip

_SUPERVISION = "petitions.petitionsupervision"
actions.register(
    Action(
        _SUPERVISION, "explain", "提交情况说明", HANDLE,
        run=lambda actor, sup, explanation: supervision.do_explain(actor, sup, explanation=explanation),
        form=f.ExplainForm, states=(SupervisionStatus.OPEN,), applies=lambda sup: sup.process_id is not None,
        not_applicable="该督察没有情况说明环节。", offered_to=supervision.can_explain, icon="bi-chat-square-text",
        extra={"done": "情况说明已提交，待督察审核"},
    )
)  # fmt: skip
actions.register(
    Action(
        _SUPERVISION, "supervise", "接受说明并下达督察意见", "petitions.change_petitionsupervision",
        run=lambda actor, sup, opinion: supervision.do_supervise(actor, sup, opinion=opinion, accept=True),
        form=f.SuperviseForm, states=(SupervisionStatus.REVIEWING, SupervisionStatus.OPEN),
        # opened before the supervision process existed: the supervisor decides without a 情况说明
        applies=lambda sup: sup.status == SupervisionStatus.REVIEWING or sup.process_id is None,
        not_applicable="被督察单位尚未提交情况说明，暂不能审核。", offered_to=supervision.can_review,
        icon="bi-alarm", style="danger", extra={"done": "督察意见已下达"},
    )
)  # fmt: skip
actions.register(
    Action(
        _SUPERVISION, "supervise_return", "退回重新说明", "petitions.change_petitionsupervision",
        run=lambda actor, sup, opinion: supervision.do_supervise(actor, sup, opinion=opinion, accept=False),
        form=f.ReturnOpinionForm, states=(SupervisionStatus.REVIEWING,), offered_to=supervision.can_review,
        icon="bi-arrow-return-left", style="secondary", extra={"done": "情况说明已退回，待被督察单位重新说明"},
    )
)  # fmt: skip
