"""The condition language behind 综合查询 / 自定义查询, shared by every app that offers one (cases, petitions).

A query is a list of conditions `{"field": …, "op": …, "value": …}` over a whitelist of fields (an app's field
table of `QueryField`s). A `ConditionEngine` built from that table

- checks raw conditions (a list, or a JSON string of one) into `Condition`s, refusing bad input with a
  `ServiceError` whose Chinese message names the condition ("第 N 个条件：…") — never another exception;
- turns checked conditions into one `Q` (`build_q`): text, choice, ref (foreign key), unit (the unit and its
  subtree), bool, number and date fields generically; date-time columns are compared by local calendar day
  with a range on the column (index-friendly), never a `__date` transform;
- turns a comprehensive-query form's GET parameters into raw conditions (`params_to_conditions`);
- writes checked conditions back as JSON (`conditions_to_json`) for saved queries and export jobs.

An app keeps its field table, its wording (`Messages`), its error codes and its special field kinds (a
subclass overriding `special_q`), so each app's messages and API codes stay its own while the machinery is one.
Core imports no domain app: the model and the field table are passed in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Model, Q
from django.utils import timezone

from teis.core.services import ServiceError

# operators: code -> Chinese label (an app may relabel, e.g. dates only: gt 晚于, lt 早于)
OPS: dict[str, str] = {
    "eq": "等于",
    "ne": "不等于",
    "contains": "包含",
    "in": "属于",
    "between": "介于",
    "gt": "大于",
    "lt": "小于",
    "empty": "为空",
}
TEXT_OPS = ("eq", "ne", "contains", "in", "empty")
CHOICE_OPS = ("eq", "ne", "in", "empty")
RANGE_OPS = ("eq", "ne", "between", "gt", "lt", "empty")
REF_OPS = ("eq", "ne", "in", "empty")
BOOL_OPS = ("eq",)
UNIT_OPS = ("eq", "in")

# Allowed operators of a field that names none, by kind.
KIND_OPS: dict[str, tuple[str, ...]] = {
    "text": TEXT_OPS,
    "choice": CHOICE_OPS,
    "ref": REF_OPS,
    "unit": UNIT_OPS,
    "date": RANGE_OPS,
    "number": RANGE_OPS,
    "bool": BOOL_OPS,
}

# Kinds the engine parses and filters itself; any other kind is parsed as `scalar_kinds` says (text by default)
# and filtered by the app's `special_q`.
GENERIC_KINDS = ("text", "choice", "ref", "unit", "date", "number", "bool")

ID_LIMIT = 2**63  # a primary key beyond this cannot be in any table (and would overflow the database driver)
NUMBER_LIMIT = Decimal("1e10")


@dataclass(frozen=True)
class QueryField:
    """One queryable field: Chinese label, kind, model path, allowed operators (empty: the kind's default) and,
    for a choice, its (value, label) pairs. `blank_choice`: "" is a valid choice value (the field unset)."""

    label: str
    kind: str
    path: str = ""
    ops: tuple[str, ...] = ()
    choices: tuple[Any, ...] = ()
    blank_choice: bool = False


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Messages:
    """The Chinese wording of refusals. Per-condition texts follow "第 N 个条件：" and may use {value}, {label},
    {labels}, {name}, {op}, {allowed}, {max}; list-level ones are (message, field message) pairs."""

    bad_item: str = "格式错误，应包含 field、op、value"
    unknown_field: str = "不支持的查询字段“{name}”"
    bad_op: str = "字段“{label}”不支持运算“{op}”，可用：{allowed}"
    in_needs_values: str = "“属于”需要一个或多个值"
    in_too_many: str = "“属于”最多 {max} 个值"
    between_needs_two: str = "“介于”需要两个值（起、止）"
    reversed_range: str = "起始值不能大于终止值"
    bad_date: str = "“{value}”不是有效日期（格式 YYYY-MM-DD）"
    bad_number: str = "“{value}”不是有效数字"
    number_out_of_range: str = "“{value}”超出范围"
    bad_bool: str = "“{value}”应为“是”或“否”"
    bad_id: str = "“{value}”不是有效的编号"
    bad_choice: str = "“{value}”不是有效的{label}，可选：{labels}"
    blank_value: str = "请填写条件值"
    value_too_long: str = "条件值过长（最多 {max} 字）"
    bad_json: tuple[str, str] = ("查询条件格式错误，应为 JSON 列表。", "格式错误")
    not_list: tuple[str, str] = ("查询条件应为列表。", "应为列表")
    too_many: tuple[str, str] = ("查询条件过多（最多 {max} 个）。", "最多 {max} 个")


DEFAULT_MESSAGES = Messages()


def choices_of(cls: Any) -> tuple[tuple[str, str], ...]:
    """A Django choices class as (value, label) string pairs for `QueryField.choices`."""
    return tuple((str(v), str(label)) for v, label in cls.choices)


def jsonable(value: Any) -> Any:
    """A checked condition value as JSON (dates ISO, decimals as strings, tuples as lists)."""
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (dt.date, Decimal)):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return value


def conditions_to_json(conditions: Iterable[Condition]) -> list[dict[str, Any]]:
    """Checked conditions as the raw JSON list they came from (checking it again gives the same conditions)."""
    return [{"field": c.field, "op": c.op, "value": jsonable(c.value)} for c in conditions]


def day_start(d: dt.date) -> dt.datetime | None:
    """The local calendar day `d`'s first instant (aware); None for the first representable day (unbounded)."""
    return None if d <= dt.date.min else dt.datetime.combine(d, dt.time.min, tzinfo=timezone.get_current_timezone())


def day_end(d: dt.date) -> dt.datetime | None:
    """The first instant after the local calendar day `d`; None for the last representable day (unbounded)."""
    return None if d >= dt.date.max else day_start(d + dt.timedelta(days=1))


def day_bounds(d: dt.date) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The local calendar day `d` as [start, end); None where a bound is beyond what a datetime can hold."""
    return day_start(d), day_end(d)


NOTHING = Q(pk__in=[])

# The open end of a form range (`params_to_conditions`), by kind.
RANGE_DEFAULTS: dict[str, tuple[str, str]] = {
    "number": ("0", "9999999999"),
    "date": ("1900-01-01", "9999-12-31"),
}


def text_q(path: str, op: str, value: Any) -> Q:
    if op == "empty":
        q = Q(**{f"{path}__isnull": True}) | Q(**{path: ""})
        return q if value else ~q
    if op == "contains":
        return Q(**{f"{path}__icontains": value})
    if op == "in":
        return Q(**{f"{path}__in": list(value)})
    q = Q(**{path: value})
    return ~q if op == "ne" else q


class ConditionEngine:
    """Checks and filters conditions over one model's field table. Subclass and override `special_q` for an
    app's own kinds (or fields needing a subquery); configure wording, codes and limits by keyword."""

    def __init__(
        self,
        fields: Mapping[str, QueryField],
        *,
        model: type[Model],
        ops: Mapping[str, str] = OPS,
        kind_ops: Mapping[str, tuple[str, ...]] = KIND_OPS,
        messages: Messages = DEFAULT_MESSAGES,
        condition_code: str = "invalid_condition",
        list_code: str = "invalid_conditions",
        indexed_errors: bool = True,
        json_strings: bool = True,
        none_is_empty: bool = False,
        empty_takes_bool: bool = True,
        default_op: str | None = None,
        scalar_kinds: Mapping[str, str] | None = None,
        max_conditions: int = 30,
        max_in: int = 200,
        max_text: int = 100,
    ) -> None:
        # every field with its operators spelled out (a field naming none gets its kind's)
        self.fields: dict[str, QueryField] = {
            name: f if f.ops else replace(f, ops=kind_ops.get(f.kind, ("eq",))) for name, f in fields.items()
        }
        self.model = model
        self.ops = ops
        self.kind_ops = kind_ops
        self.messages = messages
        self.condition_code = condition_code  # a bad condition
        self.list_code = list_code  # the list itself is bad (not a list, too many)
        self.indexed_errors = indexed_errors  # error field key "conditions.N" (else "conditions")
        self.json_strings = json_strings  # a string is parsed as a JSON list
        self.none_is_empty = none_is_empty  # None means "no conditions" (else refused as not a list)
        self.empty_takes_bool = empty_takes_bool  # "empty" is 为空 (true) / 不为空 (false); else always 为空
        self.default_op = default_op  # the op of a condition naming none
        self.scalar_kinds = dict(scalar_kinds or {})  # app kind -> generic kind whose values it takes
        self.max_conditions, self.max_in, self.max_text = max_conditions, max_in, max_text
        self._datetime_paths: dict[str, bool] = {}
        for name, f in self.fields.items():
            unknown = set(f.ops) - set(ops)
            if unknown:
                raise ValueError(f"query field {name}: unknown ops {sorted(unknown)}")

    # --- checking -----------------------------------------------------------------------------------------

    def error(self, index: int, message: str, **kw: Any) -> ServiceError:
        text = message.format(**kw)
        key = f"conditions.{index}" if self.indexed_errors else "conditions"
        return ServiceError(self.condition_code, f"第 {index + 1} 个条件：{text}", {key: [text]})

    def list_error(self, pair: tuple[str, str]) -> ServiceError:
        message, field_message = (p.format(max=self.max_conditions) for p in pair)
        return ServiceError(self.list_code, message, {"conditions": [field_message]})

    def _op_label(self, op: Any) -> str:
        return self.ops.get(op, op) if isinstance(op, str) else str(op)

    def parse_date(self, value: Any, index: int) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip()[:10])
        except (TypeError, ValueError):
            raise self.error(index, self.messages.bad_date, value=value) from None

    def parse_number(self, value: Any, index: int) -> Decimal:
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise self.error(index, self.messages.bad_number, value=value) from None
        if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
            raise self.error(index, self.messages.number_out_of_range, value=value)
        return number

    def parse_bool(self, value: Any, index: int) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "是"):
            return True
        if text in ("0", "false", "no", "否"):
            return False
        raise self.error(index, self.messages.bad_bool, value=value)

    def parse_id(self, f: QueryField, value: Any, index: int) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError, OverflowError):
            raise self.error(index, self.messages.bad_id, value=value, label=f.label) from None
        if not -ID_LIMIT < number < ID_LIMIT:
            raise self.error(index, self.messages.bad_id, value=value, label=f.label)
        return number

    def parse_choice(self, f: QueryField, value: Any, index: int) -> str:
        allowed = {str(c[0]) for c in f.choices} | ({""} if f.blank_choice else set())
        if str(value) not in allowed:
            labels = "、".join(str(c[1]) for c in f.choices)
            raise self.error(index, self.messages.bad_choice, value=value, label=f.label, labels=labels)
        return str(value)

    def parse_text(self, f: QueryField, value: Any, index: int) -> str:
        text = str(value).strip() if value is not None else ""
        if not text:
            raise self.error(index, self.messages.blank_value, label=f.label)
        if len(text) > self.max_text:
            raise self.error(index, self.messages.value_too_long, max=self.max_text)
        return text

    def parse_scalar(self, f: QueryField, value: Any, index: int) -> Any:
        """One value of field `f`, typed (date, Decimal, bool, int id, choice or text)."""
        kind = f.kind if f.kind in GENERIC_KINDS else self.scalar_kinds.get(f.kind, "text")
        if kind == "date":
            return self.parse_date(value, index)
        if kind == "number":
            return self.parse_number(value, index)
        if kind == "bool":
            return self.parse_bool(value, index)
        if kind in ("ref", "unit"):
            return self.parse_id(f, value, index)
        if kind == "choice":
            return self.parse_choice(f, value, index)
        return self.parse_text(f, value, index)

    def _values(self, value: Any) -> list[Any] | None:
        """A multi-value input as a list: a list/tuple as is, a string split on commas (either width)."""
        if isinstance(value, str):
            return [p.strip() for p in value.replace("，", ",").split(",")]
        return list(value) if isinstance(value, (list, tuple)) else None

    def check_condition(self, item: Any, i: int) -> Condition:
        m = self.messages
        if not isinstance(item, dict):
            raise self.error(i, m.bad_item)
        name, op, value = item.get("field"), item.get("op"), item.get("value")
        if self.default_op and not op:
            op = self.default_op
        f = self.fields.get(name) if isinstance(name, str) else None
        if f is None:
            raise self.error(i, m.unknown_field, name=name)
        if not isinstance(op, str) or op not in f.ops:
            allowed = "、".join(self.ops[o] for o in f.ops)
            raise self.error(i, m.bad_op, label=f.label, op=self._op_label(op), allowed=allowed)
        if op == "empty":
            value = True if value is None or value == "" or not self.empty_takes_bool else self.parse_bool(value, i)
        elif op == "in":
            values = self._values(value)
            if isinstance(value, str):
                values = [v for v in values or [] if v]  # "a, ,b" is two values
            if not values:
                raise self.error(i, m.in_needs_values)
            if len(values) > self.max_in:
                raise self.error(i, m.in_too_many, max=self.max_in)
            value = [self.parse_scalar(f, v, i) for v in values]
        elif op == "between":
            values = self._values(value)
            if values is None or len(values) != 2:
                raise self.error(i, m.between_needs_two)
            lo, hi = (self.parse_scalar(f, v, i) for v in values)
            if lo > hi:
                raise self.error(i, m.reversed_range)
            value = [lo, hi]
        else:
            value = self.parse_scalar(f, value, i)
        return Condition(str(name), op, value)

    def check(self, raw: Any) -> list[Condition]:
        """Validate raw conditions; raise ServiceError naming the first bad condition's index."""
        if raw is None and self.none_is_empty:
            return []
        if isinstance(raw, str):
            if not raw.strip():
                return []
            if not self.json_strings:
                raise self.list_error(self.messages.not_list)
            try:
                raw = json.loads(raw)
            except (ValueError, RecursionError):
                raise self.list_error(self.messages.bad_json) from None
        if not isinstance(raw, list):
            raise self.list_error(self.messages.not_list)
        if len(raw) > self.max_conditions:
            raise self.list_error(self.messages.too_many)
        return [self.check_condition(item, i) for i, item in enumerate(raw)]

    def ensure_checked(self, conditions: Any) -> list[Condition]:
        """Conditions as given if already checked, else checked."""
        if isinstance(conditions, list) and all(isinstance(c, Condition) for c in conditions):
            return conditions
        return self.check(conditions)

    # --- filtering ----------------------------------------------------------------------------------------

    def is_datetime(self, path: str) -> bool:
        """Whether the model path ends at a DateTimeField (compared by local day) rather than a DateField."""
        if path not in self._datetime_paths:
            model: Any = self.model
            field_: Any = None
            for part in path.split("__"):
                field_ = model._meta.get_field(part)
                model = field_.related_model or model
            self._datetime_paths[path] = field_ is not None and field_.get_internal_type() == "DateTimeField"
        return self._datetime_paths[path]

    def range_q(self, f: QueryField, op: str, value: Any) -> Q:
        path = f.path
        if op == "empty":
            return Q(**{f"{path}__isnull": bool(value)})
        if not (f.kind == "date" and self.is_datetime(path)):
            if op == "between":
                return Q(**{f"{path}__gte": value[0], f"{path}__lte": value[1]})
            if op == "ne":
                return ~Q(**{path: value}) & Q(**{f"{path}__isnull": False})
            lookup = {"eq": "exact", "gt": "gt", "lt": "lt"}[op]
            return Q(**{f"{path}__{lookup}": value})
        # a date-time column compared by local calendar day, as a range on the column (uses its index)
        lo, hi = value if op == "between" else (value, value)
        start, end = day_start(lo), day_end(hi)
        after = Q(**{f"{path}__gte": start}) if start else Q(**{f"{path}__isnull": False})
        before = Q(**{f"{path}__lt": end}) if end else Q(**{f"{path}__isnull": False})
        if op in ("eq", "between"):
            return after & before
        if op == "gt":
            return Q(**{f"{path}__gte": end}) if end else NOTHING
        if op == "lt":
            return Q(**{f"{path}__lt": start}) if start else NOTHING
        # ne: outside the day (a NULL is neither inside nor outside)
        q = NOTHING
        if start:
            q |= Q(**{f"{path}__lt": start})
        if end:
            q |= Q(**{f"{path}__gte": end})
        return q

    def unit_q(self, f: QueryField, value: Any) -> Q:
        """Rows whose unit is one of the given units or below it (by the units' materialised paths)."""
        from teis.core.ports import unit_paths

        ids = value if isinstance(value, list) else [value]
        q = NOTHING
        for p in unit_paths(ids):
            q |= Q(**{f"{f.path}__path__startswith": p})
        return q

    def ref_q(self, f: QueryField, op: str, value: Any) -> Q:
        if op == "empty":
            return Q(**{f"{f.path}__isnull": bool(value)})
        if op == "in":
            return Q(**{f"{f.path}_id__in": list(value)})
        q = Q(**{f"{f.path}_id": value})
        return q if op == "eq" else ~q

    def special_q(self, c: Condition, f: QueryField) -> Q | None:
        """An app's own filter for condition `c` (None: the generic one). Override in a subclass."""
        return None

    def condition_q(self, c: Condition) -> Q:
        f = self.fields[c.field]
        q = self.special_q(c, f)
        if q is not None:
            return q
        if f.kind in ("date", "number"):
            return self.range_q(f, c.op, c.value)
        if f.kind == "unit":
            return self.unit_q(f, c.value)
        if f.kind == "ref":
            return self.ref_q(f, c.op, c.value)
        if f.kind == "bool":
            return Q(**{f.path: c.value})
        if f.kind not in ("text", "choice"):
            raise ValueError(f"query field {c.field}: kind {f.kind} needs special_q")
        return text_q(f.path, c.op, c.value)

    def build_q(self, conditions: Iterable[Condition]) -> Q:
        """All conditions (checked) as one filter."""
        q = Q()
        for c in conditions:
            q &= self.condition_q(c)
        return q

    # --- the comprehensive-query form ---------------------------------------------------------------------

    def params_to_conditions(
        self,
        params: Mapping[str, Any],
        simple: Mapping[str, tuple[str, str]],
        ranges: tuple[str, ...] = (),
        *,
        extra: str | None = None,
    ) -> list[dict[str, Any]]:
        """A query form's GET parameters as raw conditions (checked later): `simple` maps a parameter to
        (field, op); each range field `name` reads `name_from` / `name_to` (either may be blank, meaning open);
        `extra` names a parameter holding more conditions as JSON (checked here, then re-serialised)."""
        raw: list[dict[str, Any]] = []
        for param, (name, op) in simple.items():
            value = (params.get(param) or "").strip()
            if value:
                raw.append({"field": name, "op": op, "value": value})
        for name in ranges:
            lo = (params.get(f"{name}_from") or "").strip()
            hi = (params.get(f"{name}_to") or "").strip()
            if lo or hi:
                low, high = RANGE_DEFAULTS[self.fields[name].kind]
                raw.append({"field": name, "op": "between", "value": [lo or low, hi or high]})
        if extra and params.get(extra):
            raw += conditions_to_json(self.check(params.get(extra)))
        return raw


def simple_params(mapping: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """{field: op} as {parameter: (field, op)} for a form whose parameters are named after the fields."""
    return {name: (name, op) for name, op in mapping.items()}


__all__ = [
    "BOOL_OPS",
    "CHOICE_OPS",
    "KIND_OPS",
    "OPS",
    "RANGE_OPS",
    "REF_OPS",
    "TEXT_OPS",
    "UNIT_OPS",
    "Condition",
    "ConditionEngine",
    "Messages",
    "QueryField",
    "choices_of",
    "conditions_to_json",
    "day_bounds",
    "day_end",
    "day_start",
    "jsonable",
    "simple_params",
    "text_q",
]
