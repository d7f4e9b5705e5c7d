"""The facts analytics counts, declared once (see `semantic.py`). Each domain app's records are read through
their models, within the user's scope; a fact another app provides better (罚没款已缴 from finance) replaces the
default here with `semantic.register(..., replace=True)` from its `apps.ready()`."""

from __future__ import annotations

import datetime as dt

from django.apps import apps as django_apps
from django.db.models import Case, CharField, DurationField, ExpressionWrapper, F, Q, Value, When
from django.utils import timezone

from .semantic import Dimension, Fact, register, register_dimension

CASE = "cases.EnforcementCase"
CASE_COLUMNS = ("case_code", "title", "unit", "handler", "filed_at", "status", "fine_amount")
OPEN_STATUSES = ("filing", "investigating", "deciding", "decided", "enforcing")


def _choices(model: str, field: str):
    def labels(keys: list[str]) -> dict[str, str]:
        return {str(k): str(v) for k, v in django_apps.get_model(model)._meta.get_field(field).choices}

    return labels


def _by_pk(model: str, label_field: str):
    def labels(keys: list[str]) -> dict[str, str]:
        ids = [int(k) for k in keys if str(k).isdigit()]
        rows = django_apps.get_model(model)._base_manager.filter(pk__in=ids).values_list("pk", label_field)
        return {str(pk): str(label) for pk, label in rows}

    return labels


def _officer_names(keys: list[str]) -> dict[str, str]:
    ids = [int(k) for k in keys if str(k).isdigit()]
    Officer = django_apps.get_model("org.Officer")
    return {str(uid): name for uid, name in Officer.objects.filter(user_id__in=ids).values_list("user_id", "name")}


# 办案时长 (立案 → 结案), in buckets
DURATION_BUCKETS = [(15, "15日内"), (30, "16–30日"), (60, "31–60日"), (90, "61–90日")]
DURATION_OVER = "90日以上"


def duration_bucket():
    """The bucket index ("0" … "4") of closed_at − filed_at."""
    from django.db.models.lookups import LessThanOrEqual

    span = ExpressionWrapper(F("closed_at") - F("filed_at"), output_field=DurationField())
    whens = [
        When(LessThanOrEqual(span, Value(dt.timedelta(days=days), output_field=DurationField())), then=Value(str(i)))
        for i, (days, _) in enumerate(DURATION_BUCKETS)
    ]
    return Case(*whens, default=Value(str(len(DURATION_BUCKETS))), output_field=CharField())


def _duration_labels(keys: list[str]) -> dict[str, str]:
    labels = {str(i): label for i, (_, label) in enumerate(DURATION_BUCKETS)}
    labels[str(len(DURATION_BUCKETS))] = DURATION_OVER
    return labels


def _case_plate(value: str) -> Q:
    vehicles = django_apps.get_model("cases.CaseVehicle")._base_manager.filter(plate=value.upper())
    return Q(pk__in=vehicles.values("case_id"))


for _dim in (
    Dimension("cause", "案由", "case_cause_id", _by_pk("legal.CaseCause", "name")),
    Dimension("line", "业务条线", "business_line_id", _by_pk("core.DictionaryItem", "label")),
    Dimension("source", "案件来源", "source", _choices(CASE, "source")),
    Dimension("officer", "办案人员", "handler_id", _officer_names),
    Dimension("procedure", "程序", "procedure", _choices(CASE, "procedure")),
    Dimension("duration", "办案时长", None, _duration_labels, expr=duration_bucket),
    Dimension("plate", "车牌号", None, match=_case_plate),
    Dimension("it_plate", "车牌号", "plate"),
    Dimension("kind", "类别", "kind", _choices("cases.BlacklistEntry", "kind")),
    Dimension("bl_status", "状态", "status", _choices("cases.BlacklistEntry", "status")),
):
    register_dimension(_dim)

CASE_DIMS = ("cause", "line", "source", "officer", "procedure", "plate")

register(
    Fact(
        "cases_filed",
        "立案数",
        CASE,
        "filed_at",
        aggregated=True,
        dimensions=CASE_DIMS,
        drill_columns=CASE_COLUMNS,
        order_by=("-filed_at", "-pk"),
    )
)
register(
    Fact(
        "cases_closed",
        "结案数",
        CASE,
        "closed_at",
        aggregated=True,
        dimensions=(*CASE_DIMS, "duration"),
        drill_columns=(*CASE_COLUMNS, "closed_at"),
        order_by=("-closed_at", "-pk"),
    )
)
register(
    Fact(
        "fines_decided",
        "罚没款（决定）",
        CASE,
        "decided_at",
        where=Q(decision_type="penalty"),
        amount="fine_amount",
        amount_label="罚没款（元）",
        aggregated=True,
        dimensions=CASE_DIMS,
        drill_columns=(*CASE_COLUMNS, "decided_at"),
        order_by=("-decided_at", "-pk"),
    )
)
# the default provider of 罚没款（已缴）: the payments recorded on the case; finance may register its receipts
register(
    Fact(
        "fines_collected",
        "罚没款（已缴）",
        CASE,
        "paid_at",
        where=Q(paid_amount__gt=0),
        amount="paid_amount",
        amount_label="已缴金额（元）",
        aggregated=True,
        dimensions=CASE_DIMS,
        provider="cases",
        drill_columns=(*CASE_COLUMNS, "paid_amount", "paid_at"),
        order_by=("-paid_at", "-pk"),
    )
)
register(
    Fact(
        "cases_major",
        "重大立案",
        CASE,
        "filed_at",
        where=Q(is_major=True),
        aggregated=True,
        dimensions=CASE_DIMS,
        drill_columns=CASE_COLUMNS,
        order_by=("-filed_at", "-pk"),
    )
)
register(
    Fact(
        "cases_overdue",
        "超期未结",
        CASE,
        "deadline",
        snapshot=True,
        aggregated=True,
        dimensions=CASE_DIMS,
        where=lambda: Q(status__in=OPEN_STATUSES, deadline__lt=timezone.localdate()),
        drill_columns=(*CASE_COLUMNS, "deadline", "current_step"),
        order_by=("deadline", "pk"),
    )
)
register(
    Fact(
        "cases_pending",
        "在办案件",
        CASE,
        "filed_at",
        snapshot=True,
        aggregated=True,
        dimensions=CASE_DIMS,
        where=Q(status__in=OPEN_STATUSES),
        drill_columns=(*CASE_COLUMNS, "current_step"),
    )
)
register(
    Fact(
        "overload_checks",
        "治超检查数",
        CASE,
        "discovered_at",
        where=Q(gross_weight_kg__isnull=False),
        amount="overload_ratio",
        amount_label="超限率合计",
        dimensions=CASE_DIMS,
        drill_columns=("case_code", "title", "unit", "gross_weight_kg", "weight_limit_kg", "overload_ratio"),
    )
)
register(
    Fact(
        "illegal_transport",
        "非法客运查处",
        "cases.IllegalTransportRecord",
        "occurred_at",
        amount="passengers",
        amount_label="载客人数",
        dimensions=("it_plate",),
        drill_columns=("plate", "driver_name", "occurred_at", "place", "passengers", "unit"),
        order_by=("-occurred_at", "-pk"),
    )
)
register(
    Fact(
        "blacklist",
        "黑名单登记",
        "cases.BlacklistEntry",
        "created_at",
        dimensions=("kind", "bl_status"),
        drill_columns=("kind", "name", "plate", "status", "unit", "created_at"),
    )
)
register(
    Fact(
        "petitions",
        "投诉信访",
        "petitions.Petition",
        "registered_at",
        drill_columns=("code", "title", "unit", "registered_at", "status"),
    )
)
register(
    Fact(
        "alarms",
        "车辆告警",
        "dispatch.Alarm",
        "started_at",
        drill_columns=("kind", "vehicle", "unit", "started_at"),
        order_by=("-started_at", "-pk"),
    )
)

# --- 日常绩效 (issue 22 §4): the officer's month, each fact split by the officer it belongs to (a user id) --------

for _dim in (
    Dimension("signer", "签到人", "officer_id", _officer_names),
    Dimension("issuer", "签发人", "issued_by_id", _officer_names),
    Dimension("warned", "办案人员", "case__handler_id", _officer_names),
    Dimension("complained", "办案人员", "cases__handler_id", _officer_names),
):
    register_dimension(_dim)

register(
    Fact(
        "signins",
        "勤务签到",
        "dispatch.SignIn",
        "signed_at",
        dimensions=("signer",),
        drill_columns=("officer", "unit", "method", "signed_at", "place"),
        count_label="次",
        order_by=("-signed_at", "-pk"),
    )
)
register(
    Fact(
        "documents_issued",
        "签发文书",
        "documents.Document",
        "issued_at",
        dimensions=("issuer",),
        drill_columns=("number", "doc_type", "case", "unit", "issued_by", "issued_at"),
        count_label="份",
        order_by=("-issued_at", "-pk"),
    )
)
register(
    Fact(
        "case_warnings",
        "执法监督预警",
        "cases.MonitoringWarning",
        "created_at",
        unit_field="case__unit",
        dimensions=("warned",),
        drill_columns=("case", "kind", "message", "is_open", "created_at"),
        count_label="条",
    )
)
register(
    Fact(
        "officer_complaints",
        "涉及承办案件的投诉",
        "petitions.Petition",
        "registered_at",
        where=Q(kind="complaint", cases__isnull=False),
        dimensions=("complained",),
        drill_columns=("code", "title", "unit", "registered_at", "status"),
        order_by=("-registered_at", "-pk"),
    )
)
