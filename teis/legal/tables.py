"""What core shows of the legal knowledge base: lists, forms, API, menu."""

from django import forms
from django.urls import reverse

from teis.core import actions
from teis.core.actions import Action
from teis.core.registry import MenuEntry, ModelConfig, registry

from .api.codes import CaseCauseSerializer, ViolationCodeSerializer
from .api.serializers import LawSerializer
from .choices import ApplicationStatus, WarningStatus
from .filters import (
    CaseCauseFilterSet,
    DiscretionApplicationFilterSet,
    DiscretionBenchmarkFilterSet,
    LegalChangeWarningFilterSet,
    ViolationCodeFilterSet,
)
from .forms import AcknowledgeForm, BenchmarkForm, CaseCauseForm, ViolationCodeForm
from .models import (
    CaseCause,
    DiscretionApplication,
    DiscretionBenchmark,
    Law,
    LegalChangeWarning,
    Provision,
    ViolationCode,
)
from .services import discretion
from .services import warnings as warning_services
from .services.codes import CaseCauseService, ViolationCodeService
from .services.discretion import BenchmarkService
from .services.laws import LawService


class LegalConfig(ModelConfig):
    menu_group = "法律法规"


@registry.register
class LawConfig(LegalConfig):
    model = Law
    service = LawService()  # a cited law is abolished, never deleted
    list_columns = [
        "name",
        "file_number",
        "effect_level",
        "validity",
        "issuing_authority",
        "promulgated_on",
        "effective_on",
    ]
    form_fields = [
        "name",
        "file_number",
        "effect_level",
        "validity",
        "issuing_authority",
        "promulgated_on",
        "effective_on",
        "abolished_on",
        "inclusion_reason",
        "entry_unit",
        "preamble",
        "data_source",
        "remark",
        "business_lines",
        "is_abridged",
    ]
    menu_label = "法律法规库"
    menu_icon = "bi-book"
    menu_order = 10
    serializer = LawSerializer

    @classmethod
    def detail_actions(cls, obj, user):
        actions = [("条文", reverse("legal:law_tree", args=[obj.pk]), "bi-list-nested")]
        if obj.versions.count() > 1:
            actions.append(("版本对比", reverse("legal:law_diff", args=[obj.pk]), "bi-file-diff"))
        if obj.current_version_id:
            actions.append(("导出文本", reverse("legal:law_export_txt", args=[obj.pk]), "bi-filetype-txt"))
            actions.append(("导出 JSON", reverse("legal:law_export_json", args=[obj.pk]), "bi-filetype-json"))
        if user.has_perm("legal.change_law"):
            actions.append(("导入正文", reverse("legal:law_import", args=[obj.pk]), "bi-upload"))
        return actions


registry.add_menu(MenuEntry("法规检索", "legal:search", "legal.view_law", "法律法规", "bi-search", 5))


@registry.register
class ProvisionConfig(LegalConfig):
    model = Provision
    ui_read_only = True
    api_read_only = True
    list_columns = ["citation", "level", "status", "effective_from", "effective_to"]


@registry.register
class ViolationCodeConfig(LegalConfig):
    model = ViolationCode
    list_columns = [
        "code",
        "version",
        "name",
        "business_line",
        "enforcement_subject",
        "fine_min",
        "fine_max",
        "simplified_procedure",
        "status",
        "legal_change_flag",
    ]
    detail_fields = [
        "code",
        "version",
        "is_current",
        "name",
        "business_line",
        "enforcement_subject",
        "violated_provisions",
        "penalty_provisions",
        "penalty_type_labels",
        "fine_min",
        "fine_max",
        "simplified_procedure",
        "status",
        "effective_from",
        "effective_to",
        "previous",
        "legacy_basis_text",
        "legal_change_flag",
        "flagged_at",
        "flag_reason",
    ]
    menu_label = "违章代码"
    menu_icon = "bi-upc"
    menu_order = 20
    service = ViolationCodeService()  # an edit is a new version, a delete retires the code
    rule_fields_writable = {"status": "启用/暂停 of a code is set by the legal office; versions keep the history"}
    form = ViolationCodeForm
    filterset = ViolationCodeFilterSet
    serializer = ViolationCodeSerializer

    @classmethod
    def detail_actions(cls, obj, user):
        actions = [("关联管理", reverse("legal:violationcode_links", args=[obj.pk]), "bi-diagram-3")]
        if obj.benchmarks.exists():
            actions.append(("裁量基准", reverse("legal:discretion_query") + f"?code={obj.code}", "bi-sliders"))
        return actions


@registry.register
class CaseCauseConfig(LegalConfig):
    model = CaseCause
    list_columns = ["cause_code", "name", "item_type", "status", "is_deleted", "modified_at", "legal_change_flag"]
    detail_fields = [
        "cause_code",
        "name",
        "item_type",
        "item_code",
        "exercise_level_labels",
        "basis_provisions",
        "penalty_provisions",
        "violation_codes",
        "status",
        "is_deleted",
        "modified_at",
        "legal_change_flag",
        "flagged_at",
        "flag_reason",
    ]
    menu_label = "执法案由目录"
    menu_icon = "bi-diagram-2"
    menu_order = 30
    service = CaseCauseService()  # every write queued for the city platform; a delete cancels
    rule_fields_writable = {"status": "启用/暂停 of a cause is set by the legal office; a delete cancels"}
    form = CaseCauseForm
    filterset = CaseCauseFilterSet
    serializer = CaseCauseSerializer


@registry.register
class DiscretionBenchmarkConfig(LegalConfig):
    model = DiscretionBenchmark
    list_columns = ["name", "violation_code", "effective_from", "is_active", "legal_change_flag"]
    menu_label = "自由裁量基准"
    menu_icon = "bi-sliders"
    menu_order = 40
    service = BenchmarkService()
    form = BenchmarkForm
    filterset = DiscretionBenchmarkFilterSet

    @classmethod
    def detail_actions(cls, obj, user):
        return [
            ("裁量情节", reverse("legal:discretion_query") + f"?code={obj.violation_code.code}", "bi-list-ol"),
            ("选取适用", reverse("legal:discretion_apply") + f"?code={obj.violation_code.code}", "bi-check2-square"),
        ]


@registry.register
class LegalChangeWarningConfig(LegalConfig):
    model = LegalChangeWarning
    ui_read_only = True
    api_read_only = True
    list_columns = [
        "provision",
        "change",
        "violation_code",
        "case_cause",
        "benchmark",
        "status",
        "created_at",
        "handled_by",
    ]
    menu_label = "法律依据预警"
    menu_icon = "bi-exclamation-triangle"
    menu_order = 50
    filterset = LegalChangeWarningFilterSet


@registry.register
class DiscretionApplicationConfig(LegalConfig):
    model = DiscretionApplication
    ui_read_only = True
    api_read_only = True
    list_columns = ["violation_code", "level", "unit", "case_reference", "amount", "status", "created_at"]
    detail_fields = [
        "violation_code", "level", "amount", "conditions_met", "deviation", "reason", "unit", "case_reference",
        "status", "created_by", "created_at", "decided_by", "decided_at", "decision_opinion",
    ]  # fmt: skip
    menu_label = "裁量适用审核"
    menu_icon = "bi-clipboard-check"
    menu_order = 60
    filterset = DiscretionApplicationFilterSet
    detail_template = "legal/discretionapplication_detail.html"

    @staticmethod
    def detail_context(obj, user):
        from teis.core.services import ServiceError

        try:
            return {"selection": discretion.select_benchmark(obj.violation_code, obj.level)}
        except ServiceError:
            return {"selection": None}

    @classmethod
    def queryset_for(cls, user):
        """In scope, or pending review by the user (a legal reviewer of the applicant's unit chain holds its todo)."""
        # a level is shown with its benchmark's name
        return _with_review_todos(super().queryset_for(user).select_related("level__benchmark"), user)

    @classmethod
    def api_queryset_for(cls, user):
        return _with_review_todos(super().api_queryset_for(user), user)


def _with_review_todos(qs, user):
    from teis.core.models import TodoItem

    keys = TodoItem.objects.filter(user=user, source_key__startswith="discretion:").values_list("source_key", flat=True)
    ids = [int(k.split(":", 1)[1]) for k in keys if k.split(":", 1)[1].isdigit()]
    return qs | DiscretionApplication._base_manager.filter(pk__in=ids) if ids else qs


# --- actions: the legal review of a deviation and the acknowledgement of a warning (teis.core.actions) ------


class OpinionForm(forms.Form):
    opinion = forms.CharField(
        label="审核意见", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequiredOpinionForm(forms.Form):
    opinion = forms.CharField(label="审核意见", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


def _may_review(user, application) -> bool:
    return discretion.is_legal_reviewer(user) and application.created_by_id != user.pk


_APPLICATION = "legal.discretionapplication"
actions.register(
    Action(
        _APPLICATION, "approve", "批准", "legal.change_discretionapplication",
        run=lambda actor, app, opinion: discretion.do_decide_discretion(actor, app, True, opinion),
        form=OpinionForm, states=(ApplicationStatus.PENDING,), offered_to=_may_review,
    )
)  # fmt: skip
actions.register(
    Action(
        _APPLICATION, "reject", "驳回", "legal.change_discretionapplication",
        run=lambda actor, app, opinion: discretion.do_decide_discretion(actor, app, False, opinion),
        form=RequiredOpinionForm, states=(ApplicationStatus.PENDING,), offered_to=_may_review,
        icon="bi-x-circle", style="danger",
    )
)  # fmt: skip
actions.register(
    Action(
        "legal.legalchangewarning", "acknowledge", "确认预警", "legal.change_legalchangewarning",
        run=lambda actor, warning, note: warning_services.do_acknowledge_warning(actor, warning, note),
        form=AcknowledgeForm, states=(WarningStatus.OPEN,),
    )
)  # fmt: skip
