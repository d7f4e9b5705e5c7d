"""What core shows of 统计分析 (menu group "统计分析"): the statutory monthly reports with their actions (审核,
标记已报送, 重新生成), the 失信 rules (edited by the legal department) and candidates (确认 / 不予认定), and the
report pages."""

from __future__ import annotations

from django import forms
from django.urls import reverse

from teis.core import actions
from teis.core.actions import Action
from teis.core.registry import MenuEntry, ModelConfig, registry
from teis.core.services import StatefulService

from .choices import CandidateStatus, ReportStatus
from .models import DishonestyCandidate, DishonestyRule, StatutoryReport
from .services import dishonesty, statutory

GROUP = "统计分析"
_ROWS2 = {"rows": 2}


class AnalyticsConfig(ModelConfig):
    menu_group = GROUP


class ReportService(StatefulService):
    """Reports are written only by the statutory services (generate, review, mark sent)."""

    editable_states = ()
    deletable_states = ()


@registry.register
class StatutoryReportConfig(AnalyticsConfig):
    model = StatutoryReport
    list_columns = ["kind", "year", "month", "unit", "status", "version", "row_count", "generated_at", "sent_at"]
    detail_fields = [
        "kind",
        "year",
        "month",
        "unit",
        "status",
        "version",
        "row_count",
        "generated_at",
        "reviewed_by",
        "reviewed_at",
        "sent_by",
        "sent_at",
        "sent_to",
        "note",
    ]
    ui_read_only = True
    api_read_only = True
    service = ReportService()
    menu_label = "法定月报"
    menu_icon = "bi-file-earmark-spreadsheet"
    menu_order = 40

    @classmethod
    def detail_actions(cls, obj, user):
        url = reverse("analytics:report_versions", args=[obj.pk])
        return [
            ("下载 Excel（当前版本）", reverse("analytics:report_xlsx", args=[obj.pk]), "bi-file-earmark-excel"),
            ("版本记录", url, "bi-clock-history"),
        ]


@registry.register
class DishonestyRuleConfig(AnalyticsConfig):
    model = DishonestyRule
    list_columns = ["name", "kind", "period_days", "threshold", "min_fine", "overdue_days", "is_active"]
    form_fields = [
        "name",
        "kind",
        "period_days",
        "threshold",
        "min_fine",
        "cause_keywords",
        "overdue_days",
        "is_active",
        "basis",
    ]
    menu_label = "失信认定规则"
    menu_icon = "bi-sliders"
    menu_order = 60


@registry.register
class DishonestyCandidateConfig(AnalyticsConfig):
    model = DishonestyCandidate
    list_columns = ["name", "subject_kind", "identifier", "rule", "case_count", "fine_total", "unit", "status"]
    detail_fields = [
        "name",
        "subject_kind",
        "identifier",
        "rule",
        "unit",
        "case_count",
        "fine_total",
        "cases",
        "status",
        "reviewed_by",
        "reviewed_at",
        "review_note",
    ]
    ui_read_only = True
    api_read_only = True
    service = ReportService()
    menu_label = "失信候选主体"
    menu_icon = "bi-person-x"
    menu_order = 65


# --- actions -------------------------------------------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(label="审核意见", max_length=300, required=False, widget=forms.Textarea(attrs=_ROWS2))


class RequiredNoteForm(forms.Form):
    note = forms.CharField(label="理由", max_length=300, widget=forms.Textarea(attrs=_ROWS2))


class SentForm(forms.Form):
    sent_to = forms.CharField(label="报送对象", max_length=100, required=False, help_text="留空则按报表类型填写")
    note = forms.CharField(label="备注", max_length=300, required=False)


class RegenerateForm(forms.Form):
    reason = forms.CharField(label="重新生成原因", max_length=200, required=False)


REPORT = "analytics.statutoryreport"
CANDIDATE = "analytics.dishonestycandidate"
CHANGE_REPORT = "analytics.change_statutoryreport"
CHANGE_CANDIDATE = "analytics.change_dishonestycandidate"

actions.register(
    Action(
        REPORT,
        "review",
        "审核通过",
        CHANGE_REPORT,
        run=lambda actor, obj, note: statutory.do_review(actor, obj, note),
        form=NoteForm,
        states=(ReportStatus.GENERATED,),
        icon="bi-check2-circle",
    )
)
actions.register(
    Action(
        REPORT,
        "mark_sent",
        "标记已报送",
        CHANGE_REPORT,
        run=lambda actor, obj, sent_to, note: statutory.do_mark_sent(actor, obj, sent_to, note),
        form=SentForm,
        states=(ReportStatus.REVIEWED,),
        icon="bi-send-check",
        style="success",
    )
)
actions.register(
    Action(
        REPORT,
        "regenerate",
        "重新生成",
        CHANGE_REPORT,
        run=lambda actor, obj, reason: statutory.do_regenerate(actor, obj, reason),
        form=RegenerateForm,
        states=(ReportStatus.GENERATED, ReportStatus.REVIEWED),
        icon="bi-arrow-repeat",
        style="secondary",
    )
)
actions.register(
    Action(
        CANDIDATE,
        "confirm",
        "确认列入",
        CHANGE_CANDIDATE,
        run=lambda actor, obj, note: dishonesty.do_confirm(actor, obj, note),
        form=NoteForm,
        states=(CandidateStatus.PENDING,),
        icon="bi-check2-circle",
    )
)
actions.register(
    Action(
        CANDIDATE,
        "reject",
        "不予认定",
        CHANGE_CANDIDATE,
        run=lambda actor, obj, note: dishonesty.do_reject(actor, obj, note),
        form=RequiredNoteForm,
        states=(CandidateStatus.PENDING,),
        icon="bi-x-circle",
        style="danger",
    )
)

# --- report pages --------------------------------------------------------------------------------------------

STATS = "analytics.view_statistics"
for label, name, perm, icon, order in [
    ("案件统计", "analytics:case_statistics", STATS, "bi-bar-chart-line", 10),
    ("非法客运统计", "analytics:illegal_statistics", STATS, "bi-sign-stop", 15),
    ("综合查询汇总", "analytics:summary", STATS, "bi-search", 20),
    ("办案看板", "analytics:board_cases", STATS, "bi-kanban", 25),
    ("非法客运看板", "analytics:board_illegal", STATS, "bi-kanban", 26),
    ("勤务看板", "analytics:board_duty", STATS, "bi-kanban", 27),
    ("领导驾驶舱", "analytics:screen", "analytics.view_screen", "bi-display", 30),
    ("生成月报", "analytics:report_generate", CHANGE_REPORT, "bi-file-earmark-plus", 45),
    ("运行失信规则", "analytics:run_rules", CHANGE_CANDIDATE, "bi-play-circle", 62),
]:
    registry.add_menu(MenuEntry(label, name, perm, GROUP, icon, order))
