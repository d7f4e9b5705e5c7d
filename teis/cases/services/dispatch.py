"""信息派发 (spec §2.5.1.16–17): violation records from detection stations, assigned by station to a default
unit and officer (`StationAssignment`), reassigned by dispatchers one by one or in bulk, and turned into
cases in 预登记.

- `do_import_records`: validates every row first; any error refuses the whole batch with a Chinese report
  naming the rows; nothing is written then. Used by the API (JSON) and the CSV import page.
- `do_reassign`: the records and the target unit must be in the dispatcher's scope; the officer must belong
  to the target unit.
- `do_generate_cases`: one case per record, status PRE_REGISTERED, source DETECTION, through the intake
  service when it exists.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from teis.core.services import ServiceError
from teis.core.validators import normalise_plate, validate_plate

from ..choices import CaseSource, CaseStatus, RecordStatus
from ..models import CaseVehicle, EnforcementCase, StationAssignment, ViolationRecord

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from django.contrib.auth.models import User

    from teis.org.models import Unit

MAX_ROWS = 5000
# CSV header (Chinese) -> field; English field names are accepted as well
CSV_COLUMNS = {
    "检测站点": "station",
    "检测时间": "detected_at",
    "车牌号": "plate",
    "违章代码": "violation_code",
    "违法情况": "description",
    "地点": "place",
    "来源编号": "external_id",
}


@dataclass
class ImportResult:
    records: list[ViolationRecord]
    assigned: int
    unassigned: int


def _parse_time(value: Any) -> dt.datetime | None:
    parsed: dt.datetime | None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        text = str(value or "").strip().replace("/", "-")
        parsed = parse_datetime(text) if text else None
        if parsed is None and re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
            parsed = dt.datetime.fromisoformat(text)
    if parsed is None:
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def check_rows(rows: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """(clean rows, [(row number, message)]). Row numbers count from 1 over the data rows."""
    from teis.legal.models import ViolationCode

    if not isinstance(rows, list):
        return [], [(0, "数据应为记录列表")]
    if not rows:
        return [], [(0, "没有可导入的记录")]
    if len(rows) > MAX_ROWS:
        return [], [(0, f"一次最多导入 {MAX_ROWS} 条记录")]
    wanted = {str(r.get("violation_code") or "").strip() for r in rows if isinstance(r, dict)} - {""}
    codes = {c.code: c for c in ViolationCode.objects.filter(code__in=wanted, is_current=True)}
    seen_external: set[tuple[str, str]] = set()
    clean, errors = [], []
    now = timezone.now()
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            errors.append((i, "格式错误，应为对象"))
            continue
        problems = []
        station = str(row.get("station") or "").strip()
        if not station:
            problems.append("检测站点不能为空")
        elif len(station) > 100:
            problems.append("检测站点最多 100 字")
        detected = _parse_time(row.get("detected_at"))
        if detected is None:
            problems.append(f"检测时间“{row.get('detected_at') or ''}”无效（格式 YYYY-MM-DD HH:MM:SS）")
        elif detected > now + dt.timedelta(minutes=10):
            problems.append("检测时间晚于当前时间")
        plate = normalise_plate(str(row.get("plate") or ""))
        try:
            validate_plate(plate)
        except ValidationError as exc:
            problems.append(f"车牌号“{plate}”：{exc.messages[0]}")
        code_text = str(row.get("violation_code") or "").strip()
        code = codes.get(code_text) if code_text else None
        if code_text and code is None:
            problems.append(f"违章代码“{code_text}”不存在或已失效")
        description = str(row.get("description") or "").strip()
        place = str(row.get("place") or "").strip()
        external = str(row.get("external_id") or "").strip()
        if len(description) > 300:
            problems.append("违法情况最多 300 字")
        if len(place) > 200:
            problems.append("地点最多 200 字")
        if len(external) > 64:
            problems.append("来源编号最多 64 字")
        if external:
            key = (station, external)
            if key in seen_external:
                problems.append(f"来源编号“{external}”在本批中重复")
            seen_external.add(key)
        if problems:
            errors.append((i, "；".join(problems)))
            continue
        clean.append(
            {
                "station": station,
                "detected_at": detected,
                "plate": plate,
                "violation_code": code,
                "description": description,
                "place": place,
                "external_id": external,
            }
        )
    if not errors:
        pairs = {(r["station"], r["external_id"]) for r in clean if r["external_id"]}
        if pairs:
            existing = set(
                ViolationRecord.objects.filter(
                    external_id__in={e for _, e in pairs}, station__in={s for s, _ in pairs}
                ).values_list("station", "external_id")
            )
            for i, r in enumerate(clean, start=1):
                if (r["station"], r["external_id"]) in existing:
                    errors.append((i, f"来源编号“{r['external_id']}”已导入过"))
    return clean, errors


def error_report(errors: list[tuple[int, str]]) -> ServiceError:
    lines = [f"第 {n} 行：{m}" if n else m for n, m in errors]
    shown = "；".join(lines[:20]) + (f"；等共 {len(lines)} 处错误" if len(lines) > 20 else "")
    return ServiceError(
        "invalid_rows",
        f"导入数据有 {len(errors)} 处错误，未导入任何记录。{shown}",
        {f"rows.{n}": [m] for n, m in errors},
    )


def parse_csv(content: bytes) -> list[dict[str, Any]]:
    """CSV bytes (UTF-8 with or without BOM, or GBK) -> row dicts keyed by field name."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ServiceError("bad_encoding", "文件编码无法识别，请保存为 UTF-8 或 GBK 编码的 CSV。")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ServiceError("empty_file", "文件为空或缺少表头。")
    mapping = {}
    for name in reader.fieldnames:
        key = (name or "").strip()
        field = CSV_COLUMNS.get(key) or (key if key in CSV_COLUMNS.values() else None)
        if field:
            mapping[name] = field
    missing = {"station", "detected_at", "plate"} - set(mapping.values())
    if missing:
        labels = {v: k for k, v in CSV_COLUMNS.items()}
        raise ServiceError("missing_columns", "缺少必需的列：" + "、".join(labels[m] for m in sorted(missing)))
    return [{mapping[k]: v for k, v in row.items() if k in mapping} for row in reader]


def do_import_records(actor: User, rows: Iterable[dict[str, Any]], *, source: str = "api") -> ImportResult:
    """Validate all rows, then create the records, each assigned by its station's rule (or left 待派发).
    All or nothing; one audit record for the batch."""
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction

    clean, errors = check_rows(rows)
    if errors:
        raise error_report(errors)
    rules = {a.station: a for a in StationAssignment.objects.filter(station__in={r["station"] for r in clean})}
    records = []
    for r in clean:
        rule = rules.get(r["station"])
        records.append(
            ViolationRecord(
                **r,
                unit_id=rule.unit_id if rule else None,
                officer_id=rule.officer_id if rule else None,
                status=RecordStatus.ASSIGNED if rule else RecordStatus.NEW,
                created_by=actor,
            )
        )
    with transaction.atomic():
        created = ViolationRecord.objects.bulk_create(records, batch_size=1000)
        assigned = sum(1 for r in created if r.unit_id)
        audit.record(
            actor,
            AuditAction.CREATE,
            None,
            object_type="cases.violationrecord",
            object_repr=f"导入违法信息 {len(created)} 条",
            detail={"operation": "cases.dispatch.import", "source": source, "rows": len(created), "assigned": assigned},
        )
        _notify_officers(created)
    return ImportResult(created, assigned, len(created) - assigned)


def _notify_officers(records: Iterable[ViolationRecord]) -> None:
    from teis.core import notify

    by_officer: dict[int, int] = {}
    for r in records:
        if r.officer_id:
            by_officer[r.officer_id] = by_officer.get(r.officer_id, 0) + 1
    users = get_user_model().objects.in_bulk(list(by_officer))
    for uid, n in by_officer.items():
        notify.notify(users[uid], f"收到派发的违法信息 {n} 条", url="/cases/dispatch/")


def _scoped_records(actor: User, ids: Iterable[int]) -> list[ViolationRecord]:
    try:
        ids = sorted({int(i) for i in ids})
    except (TypeError, ValueError):
        raise ServiceError("invalid_ids", "记录编号无效。", {"ids": ["应为整数列表"]}) from None
    if not ids:
        raise ServiceError("no_records", "请选择要处理的记录。", {"ids": ["请选择记录"]})
    if len(ids) > MAX_ROWS:
        raise ServiceError("too_many", f"一次最多处理 {MAX_ROWS} 条记录。", {"ids": ["记录过多"]})
    records = list(ViolationRecord.objects.for_user(actor).select_for_update().filter(pk__in=ids).order_by("pk"))
    found = {r.pk for r in records}
    missing = [i for i in ids if i not in found]
    if missing:
        shown = "、".join(str(i) for i in missing[:10])
        raise ServiceError("not_found", f"记录 {shown} 不存在或不在您的数据权限范围内。", {"ids": [shown]})
    return records


def do_reassign(actor: User, ids: Iterable[int], *, unit: Unit, officer: User | None = None) -> int:
    """Change the unit (and officer) of records in the dispatcher's scope. All or nothing; audited."""
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction
    from teis.org.models import Officer, Unit

    if unit is None:
        raise ServiceError("unit_required", "请选择执法机构。", {"unit": ["请选择执法机构"]})
    if not Unit.objects.for_user(actor).filter(pk=unit.pk).exists():
        raise ServiceError("unit_out_of_scope", "所选执法机构不在您的数据权限范围内。", {"unit": ["超出数据权限范围"]})
    if officer is not None and not Officer.objects.filter(user=officer, unit=unit).exists():
        raise ServiceError("officer_not_in_unit", "所选执法人员不属于该执法机构。", {"officer": ["不属于所选机构"]})
    with transaction.atomic():
        records = _scoped_records(actor, ids)
        done = [r for r in records if r.status == RecordStatus.CASE_CREATED]
        if done:
            shown = "、".join(str(r.pk) for r in done[:10])
            raise ServiceError("already_case", f"记录 {shown} 已生成案件，不能再派发。", {"ids": [shown]})
        for r in records:
            audit.record(
                actor,
                AuditAction.UPDATE,
                r,
                changes={
                    "执法机构": [str(r.unit) if r.unit_id else None, str(unit)],
                    "执法人员": [str(r.officer) if r.officer_id else None, str(officer) if officer else None],
                },
                detail={"operation": "cases.dispatch.reassign"},
            )
            r.unit, r.officer, r.status, r.updated_at = unit, officer, RecordStatus.ASSIGNED, timezone.now()
        ViolationRecord.objects.bulk_update(records, ["unit", "officer", "status", "updated_at"])
        _notify_officers(records)
    return len(records)


def _intake_pre_register() -> Callable[..., EnforcementCase] | None:
    """The intake service's pre-registration function, when that module exists."""
    try:
        from . import intake
    except ImportError:
        return None
    found: Callable[..., EnforcementCase] | None = getattr(intake, "do_pre_register", None)
    return found


def _case_title(record: ViolationRecord) -> str:
    what = record.violation_code.name if record.violation_code is not None else (record.description or "违法行为")
    return f"{record.plate} {what}"[:200]


def _create_case_orm(actor: User, record: ViolationRecord) -> EnforcementCase:
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction

    assert record.unit is not None and record.officer is not None  # only assigned records become cases
    case = EnforcementCase.objects.create(
        title=_case_title(record),
        status=CaseStatus.PRE_REGISTERED,
        source=CaseSource.DETECTION,
        unit=record.unit,
        handler=record.officer,
        discovered_at=record.detected_at,
        place=record.place,
        facts=record.description,
        business_line_id=record.violation_code.business_line_id if record.violation_code is not None else None,
        current_step="案件预登记",
        created_by=actor,
    )
    if record.violation_code is not None:
        case.violation_codes.add(record.violation_code)
    CaseVehicle.objects.create(case=case, plate=record.plate)
    audit.record(actor, AuditAction.CREATE, case, changes={k: [None, v] for k, v in audit.snapshot(case).items()})
    return case


def _create_case(actor: User, record: ViolationRecord) -> EnforcementCase:
    """Pre-register through the intake service (the record's officer becomes the handler and the case's
    workflow starts) when it exists; else a plain pre-registered case."""
    pre_register = _intake_pre_register()
    if pre_register is None:
        return _create_case_orm(actor, record)
    return pre_register(
        record.officer,
        {
            "title": _case_title(record),
            "source": CaseSource.DETECTION,
            "unit": record.unit,
            "business_line": record.violation_code.business_line if record.violation_code is not None else None,
            "discovered_at": record.detected_at,
            "place": record.place,
            "facts": record.description or _case_title(record),
            "violation_codes": [record.violation_code] if record.violation_code is not None else [],
            "vehicles": [{"plate": record.plate}],
        },
    )


def do_generate_cases(actor: User, ids: Iterable[int]) -> list[EnforcementCase]:
    """Turn assigned records into cases in 预登记 (source 检测站点派发). All or nothing; audited."""
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction

    with transaction.atomic():
        records = _scoped_records(actor, ids)
        problems = []
        for r in records:
            if r.status == RecordStatus.CASE_CREATED:
                problems.append(f"记录 {r.pk} 已生成案件")
            elif r.status == RecordStatus.DISMISSED:
                problems.append(f"记录 {r.pk} 已不予处理")
            elif not r.unit_id or not r.officer_id:
                problems.append(f"记录 {r.pk} 尚未派发到执法机构和执法人员")
        if problems:
            raise ServiceError("cannot_generate", "；".join(problems[:10]), {"ids": problems[:10]})
        cases = []
        for r in records:
            case = _create_case(actor, r)
            if case.status != CaseStatus.PRE_REGISTERED or case.source != CaseSource.DETECTION:
                EnforcementCase.objects.filter(pk=case.pk).update(
                    status=CaseStatus.PRE_REGISTERED, source=CaseSource.DETECTION
                )
            r.case, r.status, r.updated_at = case, RecordStatus.CASE_CREATED, timezone.now()
            cases.append(case)
        ViolationRecord.objects.bulk_update(records, ["case", "status", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            None,
            object_type="cases.violationrecord",
            object_repr=f"生成预登记案件 {len(cases)} 件",
            detail={"operation": "cases.dispatch.generate", "records": [r.pk for r in records]},
        )
    return cases


def do_dismiss(actor: User, ids: Iterable[int], reason: str) -> int:
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction

    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason_required", "请填写不予处理的理由。", {"reason": ["请填写理由"]})
    with transaction.atomic():
        records = _scoped_records(actor, ids)
        if any(r.status == RecordStatus.CASE_CREATED for r in records):
            raise ServiceError("already_case", "已生成案件的记录不能不予处理。")
        for r in records:
            r.status, r.updated_at = RecordStatus.DISMISSED, timezone.now()
            audit.record(actor, AuditAction.UPDATE, r, changes={"状态": [None, "不予处理"]}, detail={"reason": reason})
        ViolationRecord.objects.bulk_update(records, ["status", "updated_at"])
    return len(records)
