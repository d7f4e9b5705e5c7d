"""Excel import of the information queries (spec §2.6.3.7): 船员综合信息, 港口综合信息, 水上交通事故信息, 应急综合信息.

One declarative `InfoImport` per model (columns as `imports.Col`, the look-up key that makes a row update an
existing record, the check of a whole row); `do_import_info` reads the file with `imports.convert_rows`, refuses it
whole when any row is bad (every row's message, with its number), then writes every row in one transaction and
audits the import. The vessel registry has its own import (`registry.py`): one row per certificate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError
from teis.core.validators import normalise_id_number, validate_id_number

from ..choices import AccidentLevel, EmergencyInfoKind
from ..models import CrewMember, EmergencyInfo, Port, Vessel, WaterAccident
from .imports import Col, convert_rows

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _bad(row: int, message: str) -> ServiceError:
    return ServiceError("invalid", f"第{row}行{message}", {"file": [f"第{row}行{message}"]})


def _vessel_ids(text: str, row: int) -> list[int]:
    """ "413000001, 413000002" → vessel ids; an MMSI not in the vessel registry is an error."""
    mmsis = []
    for part in text.replace("，", ",").replace("、", ",").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 0 < int(part) <= 999_999_999:
            raise _bad(row, f"“{part}”不是有效的MMSI")
        mmsis.append(int(part))
    found = dict(Vessel.objects.filter(mmsi__in=mmsis).values_list("mmsi", "pk"))
    missing = [str(m) for m in mmsis if m not in found]
    if missing:
        raise _bad(row, f"MMSI {'、'.join(missing)} 的船舶不存在，请先导入船舶信息")
    return [found[m] for m in mmsis]


def _check_position(values: dict[str, Any], row: int) -> None:
    lon, lat = values.get("lon"), values.get("lat")
    if (lon is None) != (lat is None):
        raise _bad(row, "经度和纬度应同时填写")
    if lon is not None and lat is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _bad(row, "经纬度超出有效范围（经度 −180～180，纬度 −90～90）")


def _check_crew(values: dict[str, Any], row: int) -> None:
    if values.get("id_number"):
        number = normalise_id_number(values["id_number"])
        try:
            validate_id_number(number)
        except ValidationError as exc:
            raise _bad(row, f"身份证号：{exc.messages[0]}") from exc
        values["id_number"] = number
    ids = _vessel_ids(values.pop("vessel_mmsi", "") or "", row)
    if len(ids) > 1:
        raise _bad(row, "“所在船舶MMSI”只能填一艘船")
    if ids:
        values["vessel_id"] = ids[0]


def _check_accident(values: dict[str, Any], row: int) -> None:
    _check_position(values, row)
    values["vessels"] = _vessel_ids(values.pop("vessel_mmsis", "") or "", row)


def _check_emergency(values: dict[str, Any], row: int) -> None:
    start, end = values.get("valid_from"), values.get("valid_until")
    if start and end and end < start:
        raise _bad(row, "失效时间早于生效时间")


@dataclass(frozen=True)
class InfoImport:
    model: type[Any]
    label: str
    columns: list[Col]
    key: tuple[str, ...]  # a row updates the record with the same values of these fields (all filled), else creates
    check: Callable[[dict[str, Any], int], None] | None = None
    many: tuple[str, ...] = field(default=())  # many-to-many fields set after saving

    @property
    def permission(self) -> str:
        return f"maritime.add_{self.model._meta.model_name}"


IMPORTS: dict[str, InfoImport] = {
    "crews": InfoImport(
        CrewMember,
        "船员综合信息",
        [
            Col("姓名", "name", required=True, limit=50),
            Col("身份证号", "id_number", limit=30),
            Col("船员证书号", "certificate_number", limit=40),
            Col("职务", "position", limit=30),
            Col("证书有效期至", "certificate_valid_until", "date"),
            Col("所在船舶MMSI", "vessel_mmsi", limit=20),
        ],
        key=("certificate_number",),
        check=_check_crew,
    ),
    "ports": InfoImport(
        Port,
        "港口综合信息",
        [
            Col("港口/码头名称", "name", required=True, limit=60),
            Col("编码", "code", limit=20),
            Col("经营人", "operator", limit=100),
            Col("泊位数", "berths", "int"),
            Col("经度", "lon", "float"),
            Col("纬度", "lat", "float"),
            Col("可作业危险品", "dangerous_goods_allowed", "bool"),
            Col("备注", "remark", limit=300),
        ],
        key=("name",),
        check=_check_position,
    ),
    "accidents": InfoImport(
        WaterAccident,
        "水上交通事故信息",
        [
            Col("事故名称", "title", required=True, limit=100),
            Col("发生时间", "occurred_at", "datetime", required=True),
            Col("地点", "place", limit=200),
            Col("经度", "lon", "float"),
            Col("纬度", "lat", "float"),
            Col("事故等级", "level", "choice", choices=AccidentLevel),
            Col("伤亡人数", "casualties", "int"),
            Col("经过", "description", limit=5000),
            Col("涉事船舶MMSI", "vessel_mmsis", limit=2000),
        ],
        key=("title", "occurred_at"),
        check=_check_accident,
        many=("vessels",),
    ),
    "emergency": InfoImport(
        EmergencyInfo,
        "应急综合信息",
        [
            Col("类别", "kind", "choice", required=True, choices=EmergencyInfoKind),
            Col("标题", "title", required=True, limit=100),
            Col("级别", "level", limit=20),
            Col("生效时间", "valid_from", "datetime"),
            Col("失效时间", "valid_until", "datetime"),
            Col("地点/区域", "place", limit=200),
            Col("联系方式", "contact", limit=50),
            Col("内容", "content", limit=5000),
        ],
        key=("kind", "title", "valid_from"),
        check=_check_emergency,
    ),
}


@dataclass
class InfoImportResult:
    created: int = 0
    updated: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "imported": self.created + self.updated}


def do_import_info(actor: User, kind: str, upload: Any) -> InfoImportResult:
    """Import one information-query workbook: all rows or none. Audited."""
    spec = IMPORTS.get(kind)
    if spec is None:
        raise ServiceError("not_found", f"不支持的导入类型“{kind}”，可选：{'、'.join(IMPORTS)}")
    if not actor.has_perm(spec.permission):
        raise ServiceError("forbidden", f"没有导入{spec.label}的权限")
    rows = convert_rows(upload, spec.columns, spec.check)
    result = InfoImportResult()
    with transaction.atomic():
        for values in rows:
            values.pop("_row")
            related = {name: values.pop(name) for name in spec.many if name in values}
            values = {k: v for k, v in values.items() if v is not None or spec.model._meta.get_field(k).null}
            key = {k: values[k] for k in spec.key if values.get(k) not in (None, "")}
            obj = spec.model.objects.filter(**key).first() if len(key) == len(spec.key) else None
            if obj is None:
                obj = spec.model(**values)
                result.created += 1
            else:
                for name, value in values.items():
                    setattr(obj, name, value)
                result.updated += 1
            obj.save()
            for name, ids in related.items():
                getattr(obj, name).set(ids)
        audit.record(
            actor, AuditAction.CREATE, None, object_type=spec.model._meta.label_lower,
            object_repr=f"{spec.label}导入", detail={"operation": f"{kind}.import", **result.as_dict()},
        )  # fmt: skip
    return result
