"""The pools: inspection objects (with the Excel import), inspectors, declared relations, check items and
quotas. Every write is one transaction, audited; refusals are `ServiceError`s with a Chinese message."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.models import DictionaryItem
from teis.core.services import GenericService, ServiceError
from teis.core.validators import normalise_credit_code

from ..choices import CreditRating, ObjectKind, ObjectStatus, RiskLevel
from ..models import INDUSTRY_DICT, InspectionObject, Inspector, district_choices

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import BinaryIO

    from teis.org.models import Unit

CITY_REGION_SUFFIX = "0000"


class InspectionObjectService(GenericService):
    """Objects: the credit code is normalised (upper case, no spaces) before validation."""

    def do_create(self, actor: Any, model: type[Model], data: dict[str, Any]) -> Model:
        if data.get("credit_code"):
            data = {**data, "credit_code": normalise_credit_code(data["credit_code"])}
        return super().do_create(actor, model, data)

    def do_update(self, actor: Any, obj: Model, data: dict[str, Any]) -> Model:
        if data.get("credit_code"):
            data = {**data, "credit_code": normalise_credit_code(data["credit_code"])}
        return super().do_update(actor, obj, data)


def unit_district(unit: Unit) -> str:
    """The district a unit's area covers: the nearest region code up the tree; "" (whole city) for city-level
    units or none."""
    from teis.org.models import Unit

    ids = [int(x) for x in unit.path.strip(".").split(".") if x] if unit.path else [unit.pk]
    codes = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "region_code"))
    for pk in reversed(ids):
        code = codes.get(pk) or ""
        if code:
            return "" if code.endswith(CITY_REGION_SUFFIX) else code
    return ""


class InspectorService(GenericService):
    """Inspectors: only officers holding a valid 执法证 join the pool; the area defaults to the unit's."""

    def _check(self, data: dict[str, Any], current: Inspector | None = None) -> None:
        officer = data.get("officer") or (current.officer if current else None)
        if officer is not None and not officer.certificate_valid:
            raise ServiceError(
                "no_certificate",
                f"“{officer}”没有有效的执法证，不能加入检查人员库。",
                {"officer": ["执法证无效或已过期"]},
            )

    def do_create(self, actor: Any, model: type[Model], data: dict[str, Any]) -> Model:
        self._check(data)
        if "district" not in data or data.get("district") is None:
            data = {**data, "district": unit_district(data["officer"].unit)}
        return super().do_create(actor, model, data)

    def do_update(self, actor: Any, obj: Model, data: dict[str, Any]) -> Model:
        self._check(data, cast(Inspector, obj))  # this service writes inspectors
        return super().do_update(actor, obj, data)


def officer_inspector(user: Any) -> Inspector | None:
    return Inspector.objects.select_related("officer").filter(officer__user=user).first()


# --- Excel import of objects ---------------------------------------------------------------------------------

IMPORT_COLUMNS = [
    "对象名称",
    "统一社会信用代码",
    "主体类型",
    "行业类别",
    "所属区",
    "监管单位",
    "信用等级",
    "风险等级",
    "最近检查日期",
    "经营状态",
    "经营地址",
]
REQUIRED_COLUMNS = IMPORT_COLUMNS[:6]
MAX_ERRORS = 200


@dataclass
class ObjectImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"新增 {self.created} 个，更新 {self.updated} 个。"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _lookup(choices: Iterable[tuple[Any, Any]], value: str) -> str | None:
    for code, label in choices:
        if value in (str(code), str(label)) or (str(label).startswith(value) and value):
            return str(code)
    return None


def template_xlsx() -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "检查对象"
    ws.append(IMPORT_COLUMNS)
    ws.append(
        ["示例运输有限公司", "91310115MA1H7GXX4N", "企业", "道路普通货物运输", "浦东新区", "浦东新区交通执法大队"]
        + ["A", "低风险", "2024-05-01", "正常经营", "上海市浦东新区示例路1号"]
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read_object_rows(fileobj: bytes | BinaryIO) -> list[dict[str, str]]:
    from teis.core.xlsx import WorkbookRefused, open_workbook

    try:
        wb = open_workbook(fileobj)
    except WorkbookRefused as exc:
        raise ServiceError("import_unreadable", str(exc), {"file": [str(exc)]}) from exc
    except Exception as exc:
        raise ServiceError(
            "import_unreadable", "无法读取文件，请上传 Excel（.xlsx）文件。", {"file": ["文件格式错误"]}
        ) from exc
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [_text(h) for h in next(rows, ())]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ServiceError("import_header", f"表头缺少列：{'、'.join(missing)}。", {"file": ["表头不符合模板"]})
    out = []
    for values in rows:
        row = {name: _text(values[i]) if i < len(values) else "" for i, name in enumerate(header) if name}
        if any(row.values()):
            out.append(row)
    return out


def check_object_rows(rows: list[dict[str, str]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Every row checked; returns the cleaned rows and the errors (row numbers as in Excel: header is row 1)."""
    from django.core.exceptions import ValidationError

    from teis.core.validators import validate_credit_code
    from teis.org.models import Unit

    industries = {i.code: i for i in DictionaryItem.objects.filter(dict_type__code=INDUSTRY_DICT)}
    industry_by_label = {i.label: i for i in industries.values()}
    units: dict[str, Unit] = {}
    for u in Unit.objects.all().only("pk", "name", "short_name", "path"):
        units.setdefault(u.name, u)
        if u.short_name:
            units.setdefault(u.short_name, u)
    districts = district_choices()
    cleaned, errors, seen = [], [], set()
    for n, row in enumerate(rows, start=2):
        problems = []
        name = row.get("对象名称", "")
        if not name:
            problems.append("对象名称为空")
        code = normalise_credit_code(row.get("统一社会信用代码", ""))
        try:
            validate_credit_code(code)
        except ValidationError as exc:
            problems.append(exc.messages[0])
        if code in seen:
            problems.append("统一社会信用代码在文件中重复")
        seen.add(code)
        kind = _lookup(ObjectKind.choices, row.get("主体类型", "") or "企业")
        industry = industries.get(row.get("行业类别", "")) or industry_by_label.get(row.get("行业类别", ""))
        district = _lookup(districts, row.get("所属区", ""))
        unit = units.get(row.get("监管单位", ""))
        credit = _lookup(CreditRating.choices, (row.get("信用等级") or "A").upper())
        risk = _lookup(RiskLevel.choices, row.get("风险等级") or "低风险")
        status = _lookup(ObjectStatus.choices, row.get("经营状态") or "正常经营")
        for value, label in (
            (kind, "主体类型"),
            (industry, "行业类别"),
            (district, "所属区"),
            (unit, "监管单位"),
            (credit, "信用等级"),
            (risk, "风险等级"),
            (status, "经营状态"),
        ):
            if value is None:
                problems.append(f"{label}“{row.get(label, '')}”无效")
        for label in ("对象名称", "经营地址"):  # refused, never cut, when longer than the column holds
            text = name if label == "对象名称" else row.get(label, "")
            if len(text) > 200:
                problems.append(f"{label}不能超过 200 个字（现为 {len(text)} 个字）")
        last = None
        if row.get("最近检查日期"):
            try:
                last = dt.date.fromisoformat(row["最近检查日期"][:10])
            except ValueError:
                problems.append("最近检查日期应为 YYYY-MM-DD")
        if problems:
            errors.append(f"第 {n} 行：{'；'.join(problems)}")
            if len(errors) >= MAX_ERRORS:
                break
            continue
        cleaned.append(
            {
                "name": name,
                "credit_code": code,
                "kind": kind,
                "industry": industry,
                "district": district,
                "unit": unit,
                "credit_rating": credit,
                "risk_level": risk,
                "status": status,
                "last_inspected_on": last,
                "address": row.get("经营地址", ""),
            }
        )
    return cleaned, errors


def do_import_objects(
    actor: Any, rows: list[dict[str, str]], *, progress: Callable[[int], None] | None = None, chunk: int = 500
) -> ObjectImportResult:
    """Import objects: all rows are checked first and nothing is saved when any is wrong (ServiceError
    "import_invalid" listing each problem); then one transaction creates or updates by credit code, with one
    audit record for the import (counts and codes)."""
    if not rows:
        raise ServiceError("import_empty", "导入文件没有数据行。", {"file": ["没有数据行"]})
    cleaned, errors = check_object_rows(rows)
    if errors:
        raise ServiceError("import_invalid", f"导入文件有 {len(errors)} 处错误，未导入任何数据。", {"file": errors})
    result = ObjectImportResult()
    fields = ["name", "kind", "industry", "district", "unit", "credit_rating", "risk_level", "status", "address"]
    with transaction.atomic():
        for start in range(0, len(cleaned), chunk):
            part = cleaned[start : start + chunk]
            existing = {
                o.credit_code: o
                for o in InspectionObject.objects.filter(credit_code__in=[r["credit_code"] for r in part])
            }
            new, changed = [], []
            for r in part:
                obj = existing.get(r["credit_code"])
                if obj is None:
                    new.append(InspectionObject(created_by=actor, **r))
                    continue
                for f in fields:
                    setattr(obj, f, r[f])
                if r["last_inspected_on"]:
                    obj.last_inspected_on = r["last_inspected_on"]
                obj.updated_at = timezone.now()
                changed.append(obj)
            InspectionObject.objects.bulk_create(new)
            InspectionObject.objects.bulk_update(changed, [*fields, "last_inspected_on", "updated_at"])
            result.created += len(new)
            result.updated += len(changed)
            if progress:
                progress(start + len(part))
        audit.record(
            actor,
            AuditAction.CREATE,
            None,
            object_type="inspections.inspectionobject",
            object_repr="检查对象导入",
            detail={"operation": "inspections.import_objects", "created": result.created, "updated": result.updated},
        )
    return result
