"""综合查询 and 自定义查询 (spec §2.1.1.7): one condition language over a whitelist of petition fields.

A query is a list of conditions `{"field", "op", "value"}`. The comprehensive-query form is turned into conditions
too, so the page, the saved queries, the API and the Excel export share one path: `check_conditions` validates (a
Chinese message naming the condition), `build_q` makes the filter, `search` applies it within the user's scope.
Complainant phone and ID number are matched exactly through their blind indexes (never decrypted to search).

The condition language itself (checking, generic filters, form parameters, JSON) is `teis.core.query`, shared
with case handling; this module keeps the petition field table, its wording and error code, its own kinds
(超期, blind-index 反映人 fields, upper-cased 涉及车牌), saved queries and the export.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import crypto
from teis.core.query import Condition, ConditionEngine, Messages, QueryField, conditions_to_json, simple_params
from teis.core.services import ServiceError

from ..choices import Channel, PetitionKind, PetitionStatus, Satisfaction
from ..models import Petition, PetitionQuery

if TYPE_CHECKING:
    from collections.abc import Mapping

OPS = {
    "eq": "等于",
    "ne": "不等于",
    "contains": "包含",
    "in": "属于",
    "between": "介于",
    "gt": "晚于",
    "lt": "早于",
    "empty": "为空",
}
KIND_OPS = {
    "text": ("eq", "ne", "contains", "empty"),
    "choice": ("eq", "ne", "in"),
    "ref": ("eq", "ne", "in", "empty"),
    "unit": ("eq",),
    "date": ("eq", "between", "gt", "lt", "empty"),
    "bool": ("eq",),
    "secret": ("eq",),
}


FIELDS: dict[str, QueryField] = {
    "code": QueryField("信访编号", "text", "code"),
    "title": QueryField("事项摘要", "text", "title"),
    "content": QueryField("反映内容", "text", "content"),
    "kind": QueryField("类型", "choice", "kind", choices=tuple(PetitionKind.choices)),
    "channel": QueryField("来源渠道", "choice", "channel", choices=tuple(Channel.choices)),
    "status": QueryField("状态", "choice", "status", choices=tuple(PetitionStatus.choices)),
    "satisfaction": QueryField("回访满意度", "choice", "satisfaction", choices=tuple(Satisfaction.choices)),
    "category": QueryField("反映类别", "ref", "category"),
    "unit": QueryField("承办单位（含下级）", "unit", "unit"),
    "intake_unit": QueryField("登记单位（含下级）", "unit", "intake_unit"),
    "subject_plate": QueryField("涉及车牌", "text", "subject_plate"),
    "subject_company": QueryField("涉及企业", "text", "subject_company"),
    "subject_ship": QueryField("涉及船舶", "text", "subject_ship"),
    "place": QueryField("发生地点", "text", "place"),
    "external_ref": QueryField("来源工单号", "text", "external_ref"),
    "registered_at": QueryField("登记时间", "date", "registered_at"),
    "closed_at": QueryField("结案时间", "date", "closed_at"),
    "finish_due": QueryField("办结期限", "date", "finish_due"),
    "supervised": QueryField("已督察", "bool", "supervised"),
    "overdue": QueryField("超期", "bool", ""),
    "is_anonymous": QueryField("匿名", "bool", "is_anonymous"),
    "complainant_phone": QueryField("反映人电话（精确）", "secret", "complainant_phone_index"),
    "complainant_id_number": QueryField("反映人身份证号（精确）", "secret", "complainant_id_number_index"),
}
COLUMNS = [
    "code",
    "title",
    "channel",
    "category",
    "status",
    "current_step",
    "unit",
    "registered_at",
    "finish_due",
    "closed_at",
    "satisfaction",
]
SORTS = {"registered_at": "登记时间", "finish_due": "办结期限", "closed_at": "结案时间", "code": "信访编号"}

# The wording of refusals (the generic engine's structure, this module's Chinese).
MESSAGES = Messages(
    bad_item="格式无效",
    bad_op="{label}不支持“{op}”，可用：{allowed}",
    in_needs_values="“属于”须给出至少一个值",
    between_needs_two="“介于”须给出起止两个值",
    reversed_range="起始值不能大于截止值",
    bad_date="日期“{value}”格式无效，例如 2025-01-31",
    bad_bool="取值只能是“是”或“否”",
    bad_id="{label}须为编号",
    bad_choice="“{value}”不是{label}的有效取值",
    blank_value="请填写{label}",
    value_too_long="取值过长",
    not_list=("查询条件须为列表", "查询条件须为列表"),
    too_many=("查询条件不能超过 {max} 个", "查询条件过多"),
)
OPEN_STATUSES = (
    PetitionStatus.REGISTERED,
    PetitionStatus.INSTRUCTING,
    PetitionStatus.DISPATCHING,
    PetitionStatus.HANDLING,
    PetitionStatus.CLOSING,
)


class PetitionQueryEngine(ConditionEngine):
    """The generic engine plus 超期, the blind-index 反映人 fields and the upper-cased 涉及车牌."""

    def special_q(self, c: Condition, f: QueryField) -> Q | None:
        if c.field == "overdue":
            today = timezone.localdate()
            q = Q(closed_at__isnull=True, finish_due__lt=today, status__in=OPEN_STATUSES) | Q(closed_in_time=False)
            return q if c.value else ~q
        if f.kind == "secret":
            value = str(c.value)
            value = value.upper() if c.field == "complainant_id_number" else value
            return Q(**{f.path: crypto.blind_index(value)})
        if c.field == "subject_plate" and c.op == "eq":
            return Q(**{f.path: str(c.value).upper()})
        return None


ENGINE = PetitionQueryEngine(
    FIELDS,
    model=Petition,
    ops=OPS,
    kind_ops=KIND_OPS,
    messages=MESSAGES,
    condition_code="invalid_query",
    list_code="invalid_query",
    indexed_errors=False,
    json_strings=False,
    none_is_empty=True,
    empty_takes_bool=False,
    default_op="eq",
    max_text=200,
)
FIELDS = ENGINE.fields


def check_conditions(raw: Any) -> list[Condition]:
    return ENGINE.check(raw)


def build_q(conditions: list[Condition]) -> Q:
    return ENGINE.build_q(conditions)


def search(user: Any, conditions: Any, sort: str = "") -> QuerySet[Petition]:
    """Petitions in the user's scope matching every condition (already checked), newest first by default."""
    qs = Petition.objects.for_user(user).filter(build_q(conditions))
    field = sort.lstrip("-")
    order = [sort, "-id"] if field in SORTS else ["-registered_at", "-id"]
    return qs.select_related("category", "unit").order_by(*order)


SIMPLE_PARAMS = simple_params(
    {
        "code": "contains",
        "title": "contains",
        "content": "contains",
        "kind": "eq",
        "channel": "eq",
        "status": "eq",
        "category": "eq",
        "unit": "eq",
        "subject_plate": "contains",
        "subject_company": "contains",
        "subject_ship": "contains",
        "satisfaction": "eq",
        "complainant_phone": "eq",
        "complainant_id_number": "eq",
        "supervised": "eq",
        "overdue": "eq",
    }
)
RANGE_PARAMS = ("registered_at", "closed_at")


def params_to_conditions(params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The 综合查询 form (GET parameters) as conditions; a range with one end open is open on that side."""
    return ENGINE.params_to_conditions(params, SIMPLE_PARAMS, RANGE_PARAMS)


_jsonable = conditions_to_json


def visible_queries(user: Any) -> QuerySet[PetitionQuery]:
    return PetitionQuery.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner").order_by("name")


def access_query(user: Any, pk: Any) -> PetitionQuery:
    query: PetitionQuery | None = visible_queries(user).filter(pk=pk).first()
    if query is None:
        raise Http404
    return query


def do_save_query(actor: Any, *, name: str, definition: Any, shared: bool = False) -> PetitionQuery:
    """Save a 自定义查询 (the actor's own; shared ones are visible to everyone). One transaction; audited."""
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise ServiceError("name_required", "请填写查询名称", {"name": ["请填写查询名称"]})
    if len(name) > 100:
        raise ServiceError("name_too_long", "查询名称不能超过 100 个字", {"name": ["不能超过 100 个字"]})
    conditions = check_conditions(definition)
    if not conditions:
        raise ServiceError("invalid_query", "请至少添加一个查询条件", {"conditions": ["请至少添加一个查询条件"]})
    with transaction.atomic():
        query = PetitionQuery.objects.create(
            name=name, owner=actor, created_by=actor, definition=_jsonable(conditions), shared=bool(shared)
        )
        audit.record(actor, AuditAction.CREATE, query, changes={"查询名称": [None, name]})
    return query


def do_delete_query(actor: Any, query: PetitionQuery) -> None:
    if query.owner_id != actor.pk:
        raise ServiceError("not_owner", "只能删除自己创建的查询")
    with transaction.atomic():
        audit.record(actor, AuditAction.DELETE, query, changes={"查询名称": [query.name, None]})
        query.delete()


def export_rows(user: Any, conditions: Any, sort: str = "") -> bytes:
    """The result list as Excel, with the same columns, scope and masking as the registered list."""
    import io

    from teis.core.exports import write_workbook
    from teis.core.registry import registry

    config = registry.get("petitions.petition")
    out = io.BytesIO()
    qs = search(user, conditions, sort)
    write_workbook(config, qs.iterator(chunk_size=500), user, out)
    return out.getvalue()
