"""综合查询 and 自定义查询 (spec §2.1.1.4): one condition language over a whitelist of case fields.

A query is a list of conditions `{"field": …, "op": …, "value": …}`. The comprehensive-query form is turned
into conditions too, so the page, the saved queries, the API and the Excel export share one code path:
`check_conditions` validates (a Chinese message naming the condition's index), `build_q` makes the filter,
`search_cases` applies it inside the user's data scope. Lists order by (-created_at, -id) on an index and
count at most `COUNT_CAP` rows, so the first page stays fast with a million cases.

The condition language itself (checking, generic filters, form parameters, JSON) is `teis.core.query`, shared
with petitions; this module keeps the case field table and the case-only parts: party / vehicle / 违章代码
subqueries, the 车牌号 fragment scan, range-first ordering, capped counts, saved queries and the export job.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from teis.core.query import (
    CHOICE_OPS,
    RANGE_OPS,
    REF_OPS,
    Condition,
    ConditionEngine,
    QueryField,
    choices_of,
    jsonable,
    text_q,
)
from teis.core.query import OPS as OPS  # re-exported: the pages list the operators
from teis.core.query import TEXT_OPS as TEXT_OPS
from teis.core.services import ServiceError

from ..choices import CaseSource, CaseStatus, DecisionType, PaymentStatus, Procedure
from ..models import CaseVehicle, EnforcementCase, Party, SavedQuery

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import BinaryIO

    from django.contrib.auth.models import User

    from teis.core.models import ExportJob
    from teis.core.registry import ModelConfig

COUNT_CAP = 10_000
ACTIVE_STATUSES = (
    CaseStatus.PRE_REGISTERED,
    CaseStatus.FILING,
    CaseStatus.INVESTIGATING,
    CaseStatus.DECIDING,
    CaseStatus.DECIDED,
    CaseStatus.ENFORCING,
)

_choices = choices_of


FIELDS: dict[str, QueryField] = {
    "case_code": QueryField("统一案件编码", "text", "case_code"),
    "file_number": QueryField("文号", "text", "file_number"),
    "title": QueryField("案件名称", "text", "title"),
    "status": QueryField("案件状态", "choice", "status", CHOICE_OPS, _choices(CaseStatus)),
    "procedure": QueryField("程序", "choice", "procedure", CHOICE_OPS, _choices(Procedure)),
    "source": QueryField("案件来源", "choice", "source", CHOICE_OPS, _choices(CaseSource)),
    "unit": QueryField("承办单位（含下级）", "unit", "unit", ("eq", "in")),
    "handler": QueryField("主办人", "ref", "handler", REF_OPS),
    "business_line": QueryField("业务条线", "ref", "business_line", REF_OPS),
    "case_cause": QueryField("案由", "ref", "case_cause", REF_OPS),
    "violation_code": QueryField("违章代码", "text", "violation_codes__code", ("eq", "contains", "in", "empty")),
    "party_name": QueryField("当事人", "party", "name", ("eq", "contains", "empty")),
    "party_id_number": QueryField("当事人证件号码", "party_id", "id_number_index", ("eq",)),
    "credit_code": QueryField("统一社会信用代码", "party", "credit_code", ("eq", "contains")),
    "plate": QueryField("车牌号", "plate", "plate", ("eq", "contains", "empty")),
    "discovered_at": QueryField("发现时间", "date", "discovered_at", RANGE_OPS),
    "filed_at": QueryField("立案时间", "date", "filed_at", RANGE_OPS),
    "decided_at": QueryField("决定时间", "date", "decided_at", RANGE_OPS),
    "closed_at": QueryField("结案时间", "date", "closed_at", RANGE_OPS),
    "created_at": QueryField("登记时间", "date", "created_at", RANGE_OPS),
    "deadline": QueryField("办案期限", "date", "deadline", RANGE_OPS),
    "decision_type": QueryField(
        "决定类型", "choice", "decision_type", CHOICE_OPS, _choices(DecisionType), blank_choice=True
    ),
    "fine_amount": QueryField("罚款金额（元）", "number", "fine_amount", RANGE_OPS),
    "paid_amount": QueryField("已缴金额（元）", "number", "paid_amount", RANGE_OPS),
    "payment_status": QueryField("缴款状态", "choice", "payment_status", CHOICE_OPS, _choices(PaymentStatus)),
    "current_step": QueryField("当前环节", "text", "current_step"),
    "is_major": QueryField("重大案件", "bool", "is_major", ("eq",)),
    "place": QueryField("发现地点", "text", "place"),
    "overdue": QueryField("环节超期", "overdue", "step_due_at", ("eq",)),
}

# Columns shown in the result list and the export (a saved query may choose a subset).
COLUMNS = [
    "case_code",
    "title",
    "procedure",
    "status",
    "current_step",
    "source",
    "unit",
    "handler",
    "business_line",
    "discovered_at",
    "filed_at",
    "fine_amount",
    "payment_status",
]
SORTS = {
    "created": ("-created_at", "-id"),
    "-created": ("created_at", "id"),
    "discovered": ("-discovered_at", "-id"),
    "filed": ("-filed_at", "-id"),
    "fine": ("-fine_amount", "-id"),
}


class CaseQueryEngine(ConditionEngine):
    """The generic engine plus the case kinds: 环节超期, 当事人 / 证件号码 (blind index), 车牌号, 违章代码."""

    def special_q(self, c: Condition, f: QueryField) -> Q | None:
        from teis.core import crypto

        if f.kind == "overdue":
            q = Q(step_due_at__lt=timezone.now(), status__in=ACTIVE_STATUSES)
            return q if c.value else ~q
        if f.kind == "party_id":
            index = crypto.blind_index(c.value)
            return Q(Exists(Party.objects.filter(case=OuterRef("pk"), id_number_index=index)))
        if f.kind == "plate" and c.op in ("eq", "contains"):
            return _plate_q(c.op, c.value)
        if f.kind in ("party", "plate"):
            model = Party if f.kind == "party" else CaseVehicle
            if c.op == "empty":
                exists = Exists(model.objects.filter(case=OuterRef("pk")))
                return ~Q(exists) if c.value else Q(exists)
            inner = text_q(f.path, c.op, c.value)
            return Q(Exists(model.objects.filter(inner, case=OuterRef("pk"))))
        if f.path == "violation_codes__code":
            through = EnforcementCase.violation_codes.through
            if c.op == "empty":
                exists = Exists(through.objects.filter(enforcementcase_id=OuterRef("pk")))
                return ~Q(exists) if c.value else Q(exists)
            inner = text_q("violationcode__code", c.op, c.value)
            return Q(Exists(through.objects.filter(inner, enforcementcase_id=OuterRef("pk"))))
        return None


ENGINE = CaseQueryEngine(FIELDS, model=EnforcementCase, scalar_kinds={"overdue": "bool"})
FIELDS = ENGINE.fields  # operators spelled out per field (the pages list them)


def check_conditions(raw: Any) -> list[Condition]:
    """Validate a list of conditions; raise ServiceError naming the first bad condition's index."""
    return ENGINE.check(raw)


def build_q(conditions: list[Condition]) -> Q:
    return ENGINE.build_q(conditions)


# 车牌号 "contains" (perf, issue 4). Stored plates are normalised (`core.validators.normalise_plate`), so the
# input is normalised too and, when it starts with the province character (a full or leading plate), matched
# as an exact value or a prefix on the plate index. A fragment without the province ("A123") cannot use an
# index portably: it is matched among the newest PLATE_SCAN_WINDOW vehicle rows only (an id range on the
# primary key) and at most PLATE_MATCH_CAP matching cases are kept; pages show PLATE_SCAN_NOTE. Before this a
# fragment made PostgreSQL probe every case's vehicles in created order (2 s at 1M cases).
PLATE_SCAN_WINDOW = 200_000
PLATE_MATCH_CAP = 5_000
PLATE_SCAN_NOTE = f"车牌号片段仅在最近 {PLATE_SCAN_WINDOW:,} 条涉案车辆记录中模糊匹配（输入以省份简称开头可全库查询）"


def plate_is_partial_scan(conditions: Iterable[Condition]) -> bool:
    """Whether a condition list has a 车牌号 fragment matched only within the scan window (show the note)."""
    return any(
        isinstance(c, Condition) and c.field == "plate" and c.op == "contains" and not _leads_with_province(c.value)
        for c in conditions or []
    )


def _leads_with_province(value: str) -> bool:
    from teis.core.validators import normalise_plate

    plate = normalise_plate(str(value))
    return bool(plate) and not plate[0].isascii()


def _plate_q(op: str, value: str) -> Q:
    from teis.core.validators import normalise_plate

    plate = normalise_plate(str(value))
    if op == "eq":
        return Q(Exists(CaseVehicle.objects.filter(plate=plate, case=OuterRef("pk"))))
    if _leads_with_province(plate):
        return Q(Exists(CaseVehicle.objects.filter(plate__startswith=plate, case=OuterRef("pk"))))
    newest = CaseVehicle.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    case_ids = (
        CaseVehicle.objects.filter(pk__gt=newest - PLATE_SCAN_WINDOW, plate__contains=plate)
        .order_by("-pk")
        .values_list("case_id", flat=True)[:PLATE_MATCH_CAP]
    )
    return Q(pk__in=sorted(set(case_ids)))


def search_cases(user: User, conditions: Iterable[Condition], sort: str = "") -> QuerySet[Any]:
    """The user's cases matching all conditions (validated first), ordered on an index."""
    conditions = ENGINE.ensure_checked(conditions)
    qs = EnforcementCase.objects.for_user(user).filter(build_q(conditions))
    if sort in ("", "created") and _range_first(conditions):
        # Same order as (-created_at, -id), written so that no index matches it: the planner then reads the
        # range on its own index and sorts the matches (top-N), instead of walking the created_at index from
        # the newest case and discarding everything newer than the range (perf, issue 4).
        return qs.order_by(Coalesce("created_at", "created_at").desc(), "-id")
    return qs.order_by(*SORTS.get(sort, SORTS["created"]))


# Indexed date columns a closed range on which is read first (see `_range_first`), and the limits under which
# that beats the created_at walk: the range ends at least RANGE_FIRST_MIN_AGE ago (so the walk would have to
# skip everything newer) and spans at most RANGE_FIRST_MAX_SPAN (so the sort stays small).
RANGE_FIRST_FIELDS = ("filed_at",)
RANGE_FIRST_MAX_SPAN = dt.timedelta(days=186)
RANGE_FIRST_MIN_AGE = dt.timedelta(days=7)


def _range_first(conditions: list[Condition]) -> bool:
    today = timezone.localdate()
    for c in conditions:
        if c.field in RANGE_FIRST_FIELDS and c.op in ("between", "eq"):
            lo, hi = c.value if c.op == "between" else (c.value, c.value)
            if hi - lo <= RANGE_FIRST_MAX_SPAN and today - hi >= RANGE_FIRST_MIN_AGE:
                return True
    return False


def list_related(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.select_related("unit", "handler", "handler__officer", "business_line")


def search_notes(conditions: Iterable[Condition]) -> list[str]:
    """Plain Chinese notes a results page shows about how the search was run (e.g. a 车牌号 fragment matched only
    among the newest vehicle rows)."""
    conditions = ENGINE.ensure_checked(conditions)
    return [PLATE_SCAN_NOTE] if plate_is_partial_scan(conditions) else []


def page_rows(qs: QuerySet[Any], start: int, size: int) -> list[EnforcementCase]:
    """Rows `start`..`start + size` of a search, in two steps: the ids in the search's order (narrow rows, an
    index-only scan where an index covers the filter and the order, e.g. a 立案时间 range), then those cases with
    their related rows by primary key. Two queries at any page size."""
    ids = list(qs.values_list("pk", flat=True)[start : start + size])
    if not ids:
        return []
    by_pk = {c.pk: c for c in list_related(EnforcementCase.objects.filter(pk__in=ids))}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def capped_count(qs: QuerySet[Any], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Count up to `cap` rows: (n, True) means "more than cap"."""
    n = qs.order_by()[: cap + 1].count()
    return (cap, True) if n > cap else (n, False)


def count_label(n: int, capped: bool) -> str:
    return f"{n:,}+" if capped else f"{n:,}"


# --- the comprehensive-query form's parameters as conditions ---------------------------------------------

# GET parameter -> (field, op). Ranges use <name>_from / <name>_to.
SIMPLE_PARAMS = {
    "case_code": ("case_code", "contains"),
    "file_number": ("file_number", "contains"),
    "title": ("title", "contains"),
    "status": ("status", "eq"),
    "procedure": ("procedure", "eq"),
    "source": ("source", "eq"),
    "unit": ("unit", "eq"),
    "handler": ("handler", "eq"),
    "business_line": ("business_line", "eq"),
    "case_cause": ("case_cause", "eq"),
    "violation_code": ("violation_code", "contains"),
    "party_name": ("party_name", "contains"),
    "party_id_number": ("party_id_number", "eq"),
    "plate": ("plate", "contains"),
    "decision_type": ("decision_type", "eq"),
    "payment_status": ("payment_status", "eq"),
    "current_step": ("current_step", "contains"),
    "overdue": ("overdue", "eq"),
}
RANGE_PARAMS = ("discovered_at", "filed_at", "decided_at", "closed_at", "fine_amount")


def params_to_conditions(params: Any) -> list[dict[str, Any]]:
    """The comprehensive-query GET parameters as raw conditions (validated by `check_conditions`), plus those
    of a `conditions` parameter (JSON)."""
    return ENGINE.params_to_conditions(params, SIMPLE_PARAMS, RANGE_PARAMS, extra="conditions")


_jsonable = jsonable


# --- saved queries ---------------------------------------------------------------------------------------


def _check_columns(columns: Any) -> list[str]:
    if columns in (None, ""):
        return []
    if not isinstance(columns, list) or any(c not in COLUMNS for c in columns):
        raise ServiceError("invalid_columns", "显示列无效。", {"columns": ["可选：" + "、".join(COLUMNS)]})
    return columns


def visible_queries(user: User) -> QuerySet[SavedQuery]:
    """The user's own queries and the shared queries of their unit subtree (the creator's unit at or below
    the user's unit, or the user's unit below the creator's)."""
    from teis.org.scope import officer_with_unit

    officer = officer_with_unit(user) if user.is_authenticated else None
    q = Q(created_by=user)
    if officer is not None:
        q |= Q(shared=True, created_by__officer__unit__path__startswith=officer.unit.path)
        parts = [p for p in officer.unit.path.split(".") if p]
        ancestors = [".".join(parts[: i + 1]) + "." for i in range(len(parts))]
        q |= Q(shared=True, created_by__officer__unit__path__in=ancestors)
    elif user.is_superuser:
        q |= Q(shared=True)
    return SavedQuery.objects.filter(q).select_related("created_by", "created_by__officer").order_by("name", "pk")


def access_query(user: User, pk: int) -> SavedQuery:
    from django.http import Http404

    query = visible_queries(user).filter(pk=pk).first()
    if query is None:
        raise Http404("查询不存在或无权访问")
    return query


def do_save_query(
    actor: User,
    *,
    name: str,
    definition: Any,
    columns: Any = None,
    shared: bool = False,
    query: SavedQuery | None = None,
) -> SavedQuery:
    """Create or update (own queries only) a saved query. One transaction; audited."""
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction

    name = (name or "").strip()
    if not name:
        raise ServiceError("name_required", "请填写查询名称。", {"name": ["请填写查询名称"]})
    if len(name) > 100:
        raise ServiceError("name_too_long", "查询名称最多 100 字。", {"name": ["最多 100 字"]})
    conditions = check_conditions(definition)
    if not conditions:
        raise ServiceError("no_conditions", "请至少添加一个查询条件。", {"conditions": ["请至少添加一个条件"]})
    columns = _check_columns(columns)
    data = [{"field": c.field, "op": c.op, "value": _jsonable(c.value)} for c in conditions]
    with transaction.atomic():
        if query is not None:
            query = SavedQuery.objects.select_for_update().get(pk=query.pk)
            if query.created_by_id != actor.pk:
                raise ServiceError("not_owner", "只能修改本人创建的查询。")
            before = audit.snapshot(query)
        else:
            query, before = SavedQuery(created_by=actor), None
        query.name, query.definition, query.columns, query.shared = name, data, columns, bool(shared)
        query.save()
        after = audit.snapshot(query)
        if before is None:
            audit.record(actor, AuditAction.CREATE, query, changes={k: [None, v] for k, v in after.items()})
        else:
            audit.record(actor, AuditAction.UPDATE, query, changes=audit.diff(before, after))
    return query


def do_delete_query(actor: User, query: SavedQuery) -> None:
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction

    if query.created_by_id != actor.pk:
        raise ServiceError("not_owner", "只能删除本人创建的查询。")
    with transaction.atomic():
        pk, text = str(query.pk), str(query)
        query.delete()
        audit.record(actor, AuditAction.DELETE, None, object_type="cases.savedquery", object_id=pk, object_repr=text)


# --- Excel export --------------------------------------------------------------------------------------


def export_config(columns: list[str] | None = None) -> type[ModelConfig]:
    from teis.core.registry import ModelConfig

    cols = columns or COLUMNS
    return type(
        "CaseQueryExport",
        (ModelConfig,),
        {"model": EnforcementCase, "list_columns": cols, "app_label": "cases", "model_name": "enforcementcase"},
    )


def export_sync_limit() -> int:
    limit: int = settings.TEIS_EXPORT_SYNC_LIMIT
    return limit


def write_export(
    user: User,
    conditions: Iterable[Condition],
    stream: BinaryIO,
    *,
    columns: list[str] | None = None,
    sort: str = "",
    progress: Callable[..., Any] | None = None,
) -> int:
    from teis.core.exports import write_workbook

    qs = list_related(search_cases(user, conditions, sort))
    return write_workbook(export_config(columns), qs.iterator(chunk_size=1000), user, stream, progress=progress)


def do_export(
    actor: User, raw_conditions: Any, *, columns: Any = None, sort: str = ""
) -> tuple[str, bytes] | tuple[str, ExportJob]:
    """Export the matching cases: bytes for a small result, else an `ExportJob` run in the background.

    Returns ("file", bytes) or ("job", ExportJob). Audited as an export either way."""
    import io

    from teis.audit import services as audit
    from teis.audit.choices import AuditAction
    from teis.core.models import ExportJob

    conditions = check_conditions(raw_conditions)
    columns = _check_columns(columns)
    qs = search_cases(actor, conditions, sort)
    limit = export_sync_limit()
    n, capped = capped_count(qs, cap=limit)
    payload = json.dumps(
        {
            "conditions": [{"field": c.field, "op": c.op, "value": _jsonable(c.value)} for c in conditions],
            "columns": columns,
            "sort": sort,
        },
        ensure_ascii=False,
    )
    if capped:
        total = qs.order_by().count()
        job = ExportJob.objects.create(user=actor, model_label="cases.enforcementcase", query=payload, total=total)
        audit.record(
            actor,
            AuditAction.EXPORT,
            detail={"model": "cases.enforcementcase", "rows": total, "query": payload, "job": job.pk},
        )
        transaction.on_commit(lambda: run_query_export(job.pk))
        return "job", job
    buf = io.BytesIO()
    rows = write_export(actor, conditions, buf, columns=columns, sort=sort)
    audit.record(actor, AuditAction.EXPORT, detail={"model": "cases.enforcementcase", "rows": rows, "query": payload})
    return "file", buf.getvalue()


def _run_query_export(job_id: int) -> None:
    import io

    from django.core.files.base import ContentFile

    from teis.core.models import ExportJob
    from teis.core.storage import get_storage

    job = ExportJob.objects.select_related("user").get(pk=job_id)
    ExportJob.objects.filter(pk=job_id).update(status=ExportJob.Status.RUNNING)
    spec = json.loads(job.query)
    try:
        buf = io.BytesIO()
        write_export(
            job.user,
            spec["conditions"],
            buf,
            columns=spec.get("columns") or None,
            sort=spec.get("sort", ""),
            progress=lambda n: ExportJob.objects.filter(pk=job_id).update(done=n),
        )
        name = get_storage().save(f"exports/{job.user_id}/{job_id}.xlsx", ContentFile(buf.getvalue()))
        ExportJob.objects.filter(pk=job_id).update(status=ExportJob.Status.DONE, file_name=name)
    except Exception as exc:  # the progress page shows the failure instead of spinning forever
        ExportJob.objects.filter(pk=job_id).update(status=ExportJob.Status.FAILED, error=str(exc)[:500])
        raise


try:
    from huey.contrib.djhuey import db_task

    run_query_export = db_task()(_run_query_export)
except Exception:  # pragma: no cover - huey is part of the stack; keep imports safe in tooling
    run_query_export = _run_query_export
