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
from teis.org.models import Officer, Unit

from .choices import CandidateStatus, EvaluationStatus, ReportStatus, TargetKind
from .models import (
    DishonestyCandidate,
    DishonestyRule,
    EvaluationBatch,
    EvaluationTarget,
    PerformanceScheme,
    StatutoryReport,
)
from .services import dishonesty, evaluation, statutory

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
    ("日常绩效", "analytics:performance", STATS, "bi-person-check", 22),
    ("办案看板", "analytics:board_cases", STATS, "bi-kanban", 25),
    ("非法客运看板", "analytics:board_illegal", STATS, "bi-kanban", 26),
    ("勤务看板", "analytics:board_duty", STATS, "bi-kanban", 27),
    ("GIS 专题看板", "analytics:board_gis", STATS, "bi-map", 28),
    ("重点行业看板", "analytics:board_industries", STATS, "bi-truck", 29),
    ("领导驾驶舱", "analytics:screen", "analytics.view_screen", "bi-display", 30),
    ("生成月报", "analytics:report_generate", CHANGE_REPORT, "bi-file-earmark-plus", 45),
    ("运行失信规则", "analytics:run_rules", CHANGE_CANDIDATE, "bi-play-circle", 62),
]:
    registry.add_menu(MenuEntry(label, name, perm, GROUP, icon, order))


# --- 评议考核 (spec §2.5.2.1) ------------------------------------------------------------------------------------

BATCH = "analytics.evaluationbatch"
TARGET = "analytics.evaluationtarget"
CHANGE_BATCH = evaluation.MANAGE


@registry.register
class PerformanceSchemeConfig(AnalyticsConfig):
    model = PerformanceScheme
    list_columns = [
        "name",
        "is_active",
        "signins_weight",
        "cases_filed_weight",
        "cases_closed_weight",
        "documents_weight",
    ]
    form_fields = [
        "name",
        "is_active",
        "signins_weight",
        "signins_target",
        "cases_filed_weight",
        "cases_filed_target",
        "cases_closed_weight",
        "cases_closed_target",
        "documents_weight",
        "documents_target",
        "warning_penalty",
        "complaint_penalty",
    ]
    menu_label = "日常绩效方案"
    menu_icon = "bi-sliders2"
    menu_order = 23


@registry.register
class EvaluationBatchConfig(AnalyticsConfig):
    model = EvaluationBatch
    list_columns = ["name", "year", "unit", "status", "published_at"]
    form_fields = ["name", "year", "description"]
    detail_fields = ["name", "year", "unit", "description", "status", "published_at", "published_by", "created_by"]
    service = evaluation.BatchService()
    menu_label = "评议考核"
    menu_icon = "bi-award"
    menu_order = 70

    @classmethod
    def detail_actions(cls, obj, user):
        return [("考核工作台（评分、材料、统计）", reverse("analytics:evaluation", args=[obj.pk]), "bi-clipboard-data")]


@registry.register
class EvaluationTargetConfig(AnalyticsConfig):
    """The objects of the batches. Scores are read on the workspace, which shows them to the evaluated units only
    once the batch is published: the generic list, detail and API leave them out."""

    model = EvaluationTarget
    list_columns = ["batch", "kind", "unit", "officer", "case", "feedback_at"]
    detail_fields = ["batch", "kind", "unit", "officer", "case", "feedback", "feedback_at"]
    api_exclude = ["total", "comments", "reviewer", "scored_at"]
    ui_read_only = True
    api_read_only = True
    service = ReportService()
    menu_label = "考核对象与结果"
    menu_icon = "bi-card-checklist"
    menu_order = 72

    @classmethod
    def detail_actions(cls, obj, user):
        return [
            ("考核工作台", reverse("analytics:evaluation", args=[obj.batch_id]) + f"#t{obj.pk}", "bi-clipboard-data")
        ]


class IndicatorForm(forms.Form):
    name = forms.CharField(label="指标名称", max_length=100)
    weight = forms.IntegerField(label="分值（权重）", min_value=1, max_value=evaluation.TOTAL_WEIGHT)
    description = forms.CharField(label="评分标准", max_length=300, required=False)


class ObjectForm(forms.Form):
    kind = forms.ChoiceField(label="对象类型", choices=[c for c in TargetKind.choices if c[0] != TargetKind.CASE])
    unit = forms.ModelChoiceField(label="被考核单位", required=False, queryset=Unit.objects.filter(is_active=True))
    officer = forms.ModelChoiceField(label="执法人员", required=False, queryset=Officer.objects.all())


class DrawCasesForm(forms.Form):
    mode = forms.ChoiceField(label="抽取方式", choices=[("random", "随机抽取"), ("chosen", "指定案卷")])
    size = forms.IntegerField(label="抽取数量（随机）", required=False, min_value=1, max_value=200)
    seed = forms.IntegerField(label="随机种子（留空自动生成）", required=False, min_value=0)
    cases = forms.CharField(
        label="指定案卷（统一案件编码或编号，逗号或换行分隔）",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs=_ROWS2),
    )


class ScoreForm(forms.Form):
    scores = forms.CharField(label="各指标得分", max_length=4000, help_text='JSON：{"指标编号": 得分, …}')
    comments = forms.CharField(label="评议意见", max_length=2000, required=False, widget=forms.Textarea(attrs=_ROWS2))


class FeedbackForm(forms.Form):
    feedback = forms.CharField(label="反馈意见", max_length=2000, widget=forms.Textarea(attrs=_ROWS2))


class PublishForm(forms.Form):
    note = forms.CharField(label="发布说明", max_length=300, required=False)


_DRAFT = (EvaluationStatus.DRAFT,)
for act in [
    Action(
        BATCH,
        "add_indicator",
        "添加考核指标",
        CHANGE_BATCH,
        form=IndicatorForm,
        states=_DRAFT,
        icon="bi-plus",
        run=lambda actor, obj, **d: evaluation.do_add_indicator(actor, obj, **d),
        style="secondary",
    ),
    Action(
        BATCH,
        "add_object",
        "添加考核对象",
        CHANGE_BATCH,
        form=ObjectForm,
        states=_DRAFT,
        icon="bi-person-plus",
        run=lambda actor, obj, **d: evaluation.do_add_object(actor, obj, **d),
        style="secondary",
    ),
    Action(
        BATCH,
        "draw_cases",
        "抽取案卷",
        CHANGE_BATCH,
        form=DrawCasesForm,
        states=_DRAFT,
        icon="bi-shuffle",
        run=lambda actor, obj, **d: evaluation.do_draw_cases(actor, obj, **d),
        style="secondary",
    ),
    Action(
        BATCH,
        "start",
        "开始评分",
        CHANGE_BATCH,
        states=_DRAFT,
        icon="bi-play-circle",
        run=lambda actor, obj: evaluation.do_start(actor, obj),
    ),
    Action(
        BATCH,
        "publish",
        "发布结果",
        CHANGE_BATCH,
        form=PublishForm,
        states=(EvaluationStatus.SCORING,),
        icon="bi-megaphone",
        style="success",
        run=lambda actor, obj, note: evaluation.do_publish(actor, obj, note),
    ),
    Action(
        TARGET,
        "score",
        "评分",
        evaluation.SCORE,
        form=ScoreForm,
        icon="bi-pencil-square",
        applies=lambda t: t.batch.status == EvaluationStatus.SCORING,
        not_applicable="所在批次不在评分阶段，不能评分。",
        run=lambda actor, obj, scores, comments: evaluation.do_score(actor, obj, scores=scores, comments=comments),
    ),
    Action(
        TARGET,
        "feedback",
        "反馈意见",
        evaluation.FEEDBACK,
        form=FeedbackForm,
        icon="bi-chat-left-text",
        applies=lambda t: t.batch.status == EvaluationStatus.PUBLISHED,
        not_applicable="考核结果尚未发布，不能反馈。",
        run=lambda actor, obj, feedback: evaluation.do_feedback(actor, obj, feedback=feedback),
    ),
]:
    actions.register(act)
