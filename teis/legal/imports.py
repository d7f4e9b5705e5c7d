"""Excel import and export of violation codes, case causes and discretion benchmarks (one sheet each,
Chinese column headers; provisions referenced by citation string or stable id).

Import is two-step: `validate_workbook` checks every row and reports every bad one (row number and reason,
in Chinese) without writing anything; `do_import` writes — nothing while errors remain, unless the user
chose "仅导入有效行", in which case the valid rows are written in one transaction. Writes go through the
same services as the pages, so each row is audited and versioned like a manual edit; the import itself
adds one audit record. An exported file can be imported again unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.models import DictionaryItem
from teis.core.services import ServiceError
from teis.core.xlsx import WorkbookRefused, open_workbook

from .choices import CodeStatus, ExerciseLevel, ItemType, PenaltyType, ProvisionStatus
from .models import CaseCause, DiscretionBenchmark, Provision, ViolationCode
from .services import codes as code_services
from .services import discretion as discretion_services

MAX_ROWS = 20000
SPLIT_RE = re.compile(r"[\n；;|]+")
LIST_RE = re.compile(r"[、,，\n；;]+")
STABLE_ID_RE = re.compile(r"[0-9a-fA-F-]{8,36}")

KINDS: dict[str, dict[str, Any]] = {
    "codes": {
        "label": "违章代码",
        "model": ViolationCode,
        "columns": [
            "违章代码",
            "违章行为",
            "业务条线",
            "违反条款",
            "处罚依据",
            "执法主体",
            "处罚种类",
            "罚款下限",
            "罚款上限",
            "适用简易程序",
            "状态",
            "生效日期",
            "原法律依据（文本）",
        ],
        "required": ["违章代码", "违章行为"],
    },
    "causes": {
        "label": "执法案由目录",
        "model": CaseCause,
        "columns": [
            "案由目录编码",
            "案由名称",
            "事项类型",
            "所属事项编码",
            "行使层级",
            "设立依据/违法行为依据",
            "处罚依据",
            "对应违章代码",
            "事项状态",
        ],
        "required": ["案由目录编码", "案由名称", "事项类型"],
    },
    "benchmarks": {
        "label": "自由裁量基准",
        "model": DiscretionBenchmark,
        "columns": [
            "违章代码",
            "基准名称",
            "生效日期",
            "启用",
            "裁量依据",
            "排序",
            "情节",
            "适用条件",
            "罚款下限",
            "罚款上限",
            "固定罚款",
            "其他处罚",
        ],
        "required": ["违章代码", "基准名称", "排序", "情节"],
    },
}


@dataclass
class RowResult:
    row: int  # Excel row number (the header is row 1)
    key: str
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    kind: str
    total: int = 0
    rows: list[RowResult] = field(default_factory=list)
    header_error: str = ""

    @property
    def bad_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.errors]

    @property
    def valid_rows(self) -> list[RowResult]:
        return [r for r in self.rows if not r.errors]

    @property
    def ok(self) -> bool:
        return not self.header_error and not self.bad_rows

    def messages(self) -> list[str]:
        out = [self.header_error] if self.header_error else []
        out += [f"第 {r.row} 行：{'；'.join(r.errors)}" for r in self.bad_rows]
        return out


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    def summary(self) -> str:
        return (
            f"新增 {self.created} 条，更新 {self.updated} 条，未变化 {self.unchanged} 条，跳过有误 {self.skipped} 行。"
        )


# --- cell parsing -------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decimal(value, label: str, errors: list[str]) -> Decimal | None:
    text = _text(value).replace(",", "")
    if not text:
        return None
    try:
        d = Decimal(text)
    except InvalidOperation:
        errors.append(f"{label}“{text}”不是数字")
        return None
    if not d.is_finite() or d < 0:
        errors.append(f"{label}应为非负数")
        return None
    if d != d.quantize(Decimal("0.01")) or d >= Decimal("1e10"):
        errors.append(f"{label}“{text}”超出范围或小数超过 2 位")
        return None
    return d


def _date(value, label: str, errors: list[str]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.append(f"{label}“{_text(value)}”不是有效日期（格式 2024-01-31）")
        return None


def _bool(value, label: str, errors: list[str], default: bool = False) -> bool:
    text = _text(value).lower()
    if not text:
        return default
    if text in ("是", "true", "1", "y", "yes", "启用"):
        return True
    if text in ("否", "false", "0", "n", "no", "停用"):
        return False
    errors.append(f"{label}应填“是”或“否”")
    return default


def _choice(value, choices, label: str, errors: list[str], default=None):
    text = _text(value)
    if not text:
        return default
    for v, lbl in choices:
        if text in (v, str(lbl)):
            return v
    errors.append(f"{label}“{text}”无效（可选：{'、'.join(str(lbl) for _, lbl in choices)}）")
    return default


def _choices_list(value, choices, label: str, errors: list[str]) -> list[str]:
    out = []
    for token in LIST_RE.split(_text(value)):
        token = token.strip()
        if token:
            v = _choice(token, choices, label, errors)
            if v and v not in out:
                out.append(v)
    return out


class ProvisionResolver:
    """Provision by stable id or citation, preferring the row in force of the newest version."""

    def __init__(self):
        self.cache: dict[str, Provision | None] = {}

    def get(self, token: str) -> Provision | None:
        if token not in self.cache:
            qs = Provision.objects.order_by("-version__number", "pk")
            in_force = qs.filter(status=ProvisionStatus.IN_FORCE)
            found = None
            if STABLE_ID_RE.fullmatch(token):
                found = in_force.filter(stable_id=token).first() or qs.filter(stable_id=token).first()
            if found is None:
                found = in_force.filter(citation=token).first() or qs.filter(citation=token).first()
            self.cache[token] = found
        return self.cache[token]

    def many(self, value, label: str, errors: list[str]) -> list[int]:
        ids = []
        for token in SPLIT_RE.split(_text(value)):
            token = token.strip()
            if not token:
                continue
            p = self.get(token)
            if p is None:
                errors.append(f"{label}“{token}”未找到（请填写条款引用名或稳定标识）")
            elif p.pk not in ids:
                ids.append(p.pk)
        return ids


def _business_line(value, errors: list[str]) -> DictionaryItem | None:
    text = _text(value)
    if not text:
        return None
    item = DictionaryItem.objects.filter(dict_type__code="business_line").filter(label=text).first()
    item = item or DictionaryItem.objects.filter(dict_type__code="business_line", code=text).first()
    if item is None:
        errors.append(f"业务条线“{text}”不在字典中")
    return item


# --- reading ----------------------------------------------------------------------------------------------


def _read_rows(kind: str, content: bytes, report: ImportReport) -> list[tuple[int, dict[str, Any]]]:
    spec = KINDS[kind]
    try:
        wb = open_workbook(content)
    except WorkbookRefused as exc:
        report.header_error = str(exc)
        return []
    except Exception:  # openpyxl raises many kinds of errors for a broken file
        report.header_error = "无法读取文件，请上传有效的 .xlsx 文件。"
        return []
    ws = wb[spec["label"]] if spec["label"] in wb.sheetnames else wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if not header:
        report.header_error = "文件为空：第 1 行应为表头。"
        return []
    names = [_text(h) for h in header]
    missing = [c for c in spec["required"] if c not in names]
    if missing:
        report.header_error = f"表头缺少列：{'、'.join(missing)}（工作表“{ws.title}”第 1 行）。"
        return []
    index = {n: i for i, n in enumerate(names) if n}
    out = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(_text(v) == "" for v in values):
            continue
        if len(out) >= MAX_ROWS:
            report.header_error = f"行数超过上限 {MAX_ROWS}，请分批导入。"
            return []
        out.append((number, {c: (values[i] if i < len(values) else None) for c, i in index.items()}))
    wb.close()
    return out


def _service_errors(errors: dict[str, list[str]], labels: dict[str, str]) -> list[str]:
    return [f"{labels.get(k, k)}：{m}" for k, msgs in errors.items() for m in msgs]


CODE_LABELS = {
    "code": "违章代码",
    "name": "违章行为",
    "penalty_types": "处罚种类",
    "fine_min": "罚款下限",
    "fine_max": "罚款上限",
    "status": "状态",
    "effective_from": "生效日期",
    "effective_to": "失效日期",
}


def _limited(value, limit: int, label: str, errs: list[str]) -> str:
    """The cell's text, refused (never cut) when longer than its column holds."""
    text = _text(value)
    if len(text) > limit:
        errs.append(f"{label}不能超过 {limit} 个字（现为 {len(text)} 个字）")
    return text


def _validate_codes(rows, report: ImportReport) -> None:
    resolver = ProvisionResolver()
    seen: dict[str, int] = {}
    for number, cells in rows:
        errs: list[str] = []
        code = _text(cells.get("违章代码"))
        data = {
            "code": code,
            "name": _text(cells.get("违章行为")),
            "business_line": _business_line(cells.get("业务条线"), errs),
            "violated_provisions": resolver.many(cells.get("违反条款"), "违反条款", errs),
            "penalty_provisions": resolver.many(cells.get("处罚依据"), "处罚依据", errs),
            "enforcement_subject": _limited(cells.get("执法主体"), 120, "执法主体", errs),
            "penalty_types": _choices_list(cells.get("处罚种类"), PenaltyType.choices, "处罚种类", errs),
            "fine_min": _decimal(cells.get("罚款下限"), "罚款下限", errs),
            "fine_max": _decimal(cells.get("罚款上限"), "罚款上限", errs),
            "simplified_procedure": _bool(cells.get("适用简易程序"), "适用简易程序", errs),
            "status": _choice(cells.get("状态"), CodeStatus.choices, "状态", errs, CodeStatus.ACTIVE),
            "legacy_basis_text": _text(cells.get("原法律依据（文本）")),
        }
        effective = _date(cells.get("生效日期"), "生效日期", errs)
        if code in seen:
            errs.append(f"违章代码 {code} 与第 {seen[code]} 行重复")
        elif code:
            seen[code] = number
        current = ViolationCode.objects.filter(code=code, is_current=True).first() if code else None
        today = timezone.localdate()
        if current is not None:
            # A changed row becomes a new version: from its date when that is later than the current
            # version's start, otherwise from today (an exported file carries the current start date).
            if not (effective and effective > current.effective_from):
                effective = max(today, current.effective_from)
        elif code and ViolationCode.objects.filter(code=code).exists():
            errs.append(f"违章代码 {code} 没有现行版本，不能导入")
        data["effective_from"] = effective or today
        values, _ = code_services._code_values(data, current)
        if current is not None:
            values["effective_to"] = None
        errs += _service_errors(code_services.check_code_values(values), CODE_LABELS)
        report.rows.append(RowResult(number, code, data, list(dict.fromkeys(errs))))


CAUSE_LABELS = {
    "cause_code": "案由目录编码",
    "name": "案由名称",
    "item_type": "事项类型",
    "exercise_levels": "行使层级",
    "status": "事项状态",
}


def _validate_causes(rows, report: ImportReport) -> None:
    resolver = ProvisionResolver()
    seen: dict[str, int] = {}
    for number, cells in rows:
        errs: list[str] = []
        cause_code = _text(cells.get("案由目录编码"))
        code_ids = []
        for token in LIST_RE.split(_text(cells.get("对应违章代码"))):
            token = token.strip()
            if token:
                vc = ViolationCode.objects.filter(code=token, is_current=True).first()
                if vc is None:
                    errs.append(f"对应违章代码“{token}”不存在")
                else:
                    code_ids.append(vc.pk)
        data = {
            "cause_code": cause_code,
            "name": _text(cells.get("案由名称")),
            "item_type": _choice(cells.get("事项类型"), ItemType.choices, "事项类型", errs, ""),
            "item_code": _limited(cells.get("所属事项编码"), 40, "所属事项编码", errs),
            "exercise_levels": _choices_list(cells.get("行使层级"), ExerciseLevel.choices, "行使层级", errs),
            "basis_provisions": resolver.many(cells.get("设立依据/违法行为依据"), "设立依据/违法行为依据", errs),
            "penalty_provisions": resolver.many(cells.get("处罚依据"), "处罚依据", errs),
            "violation_codes": code_ids,
            "status": _choice(cells.get("事项状态"), CodeStatus.choices, "事项状态", errs, CodeStatus.ACTIVE),
        }
        if cause_code in seen:
            errs.append(f"案由目录编码 {cause_code} 与第 {seen[cause_code]} 行重复")
        elif cause_code:
            seen[cause_code] = number
        existing = CaseCause.objects.filter(cause_code=cause_code).first() if cause_code else None
        if existing is not None and existing.is_deleted:
            errs.append(f"案由目录编码 {cause_code} 已取消，不能再导入")
        values = {n: data[n] for n in code_services.CAUSE_FIELDS}
        errs += _service_errors(
            code_services.check_cause_values(values, pk=existing.pk if existing else None), CAUSE_LABELS
        )
        report.rows.append(RowResult(number, cause_code, data, list(dict.fromkeys(errs))))


def _validate_benchmarks(rows, report: ImportReport) -> None:
    resolver = ProvisionResolver()
    groups: dict[str, list[RowResult]] = {}
    for number, cells in rows:
        errs: list[str] = []
        code = _text(cells.get("违章代码"))
        bench = {
            "name": _text(cells.get("基准名称")),
            "effective_from": _date(cells.get("生效日期"), "生效日期", errs),
            "is_active": _bool(cells.get("启用"), "启用", errs, default=True),
            "basis_provisions": resolver.many(cells.get("裁量依据"), "裁量依据", errs),
        }
        order_text = _text(cells.get("排序"))
        level = {
            "order": int(order_text) if order_text.isdigit() else order_text,
            "name": _text(cells.get("情节")),
            "conditions": [c.strip() for c in _text(cells.get("适用条件")).splitlines() if c.strip()],
            "fine_min": _decimal(cells.get("罚款下限"), "罚款下限", errs),
            "fine_max": _decimal(cells.get("罚款上限"), "罚款上限", errs),
            "fixed_amount": _decimal(cells.get("固定罚款"), "固定罚款", errs),
            "other_penalties": _limited(cells.get("其他处罚"), 300, "其他处罚", errs),
        }
        if not code:
            errs.append("请填写违章代码")
        if not bench["name"]:
            errs.append("请填写基准名称")
        if len(level["name"]) > 30:
            errs.append("情节名称不能超过 30 个字")
        result = RowResult(number, code, {"benchmark": bench, "level": level}, errs)
        report.rows.append(result)
        groups.setdefault(code, []).append(result)
    for code, members in groups.items():
        vc = ViolationCode.objects.filter(code=code, is_current=True).first() if code else None
        if code and vc is None:
            for r in members:
                r.errors.append(f"违章代码 {code} 不存在或无现行版本")
            continue
        names = {r.data["benchmark"]["name"] for r in members}
        if len(names) > 1:
            for r in members:
                r.errors.append(f"同一违章代码的各行基准名称应一致（{'、'.join(sorted(names))}）")
        levels = [dict(r.data["level"]) for r in members]
        level_errors = discretion_services.check_levels(vc, levels)
        for key, msgs in level_errors.items():
            members[int(key.split(".")[1])].errors.extend(msgs)
        bad = [r.row for r in members if r.errors]
        if bad:
            for r in members:
                if not r.errors:
                    r.errors.append(f"同一基准的第 {'、'.join(map(str, bad))} 行有误，整组不导入")
        for r in members:
            r.errors = list(dict.fromkeys(r.errors))


def validate_workbook(kind: str, content: bytes) -> ImportReport:
    """Check every row; write nothing."""
    if kind not in KINDS:
        raise ServiceError("bad_kind", "不支持的导入类型。")
    report = ImportReport(kind)
    rows = _read_rows(kind, content, report)
    report.total = len(rows)
    if report.header_error:
        return report
    {"codes": _validate_codes, "causes": _validate_causes, "benchmarks": _validate_benchmarks}[kind](rows, report)
    return report


# --- writing ----------------------------------------------------------------------------------------------


def _apply_codes(actor, rows: list[RowResult], result: ImportResult) -> None:
    for r in rows:
        data = dict(r.data)
        current = ViolationCode.objects.filter(code=data["code"], is_current=True).first()
        if current is None:
            code_services.do_create_code(actor, data)
            result.created += 1
        else:
            new = code_services.do_revise_code(actor, current, data, data.get("effective_from"))
            if new.pk == current.pk:
                result.unchanged += 1
            else:
                result.updated += 1


def _apply_causes(actor, rows: list[RowResult], result: ImportResult) -> None:
    for r in rows:
        existing = CaseCause.objects.filter(cause_code=r.data["cause_code"]).first()
        if existing is None:
            code_services.do_create_cause(actor, r.data)
            result.created += 1
        else:
            values_same = all(getattr(existing, n) == r.data[n] for n in code_services.CAUSE_FIELDS) and all(
                sorted(getattr(existing, n).values_list("pk", flat=True)) == sorted(r.data[n])
                for n in code_services.CAUSE_M2M
            )
            if values_same:
                result.unchanged += 1
                continue
            code_services.do_update_cause(actor, existing, r.data)
            result.updated += 1


def _apply_benchmarks(actor, rows: list[RowResult], result: ImportResult) -> None:
    groups: dict[str, list[RowResult]] = {}
    for r in rows:
        groups.setdefault(r.key, []).append(r)
    for code, members in groups.items():
        vc = ViolationCode.objects.get(code=code, is_current=True)
        bench_data = dict(members[0].data["benchmark"])
        bench_data["violation_code"] = vc
        if bench_data.get("effective_from") is None:
            bench_data.pop("effective_from")
        existing = DiscretionBenchmark.objects.filter(violation_code=vc, name=bench_data["name"]).first()
        levels = [dict(r.data["level"]) for r in members]
        if existing is not None:  # keep the ids of levels with the same order (applications refer to them)
            by_order = {lv.order: lv.pk for lv in existing.levels.all()}
            for lv in levels:
                if lv["order"] in by_order:
                    lv["id"] = by_order[lv["order"]]
        discretion_services.do_save_benchmark(actor, existing, bench_data, levels)
        if existing is None:
            result.created += 1
        else:
            result.updated += 1


def do_import(actor, kind: str, content: bytes, *, valid_only: bool = False, file_name: str = "") -> ImportResult:
    """Validate, then write all rows (or only the valid ones when `valid_only`) in one transaction.

    Refuses (ServiceError "import_invalid", every bad row in `fields["rows"]`) while errors remain and
    `valid_only` is off. Audited: each row by its service, the import by one summary record.
    """
    report = validate_workbook(kind, content)
    if report.header_error:
        raise ServiceError("import_invalid", report.header_error, {"file": [report.header_error]})
    if report.bad_rows and not valid_only:
        raise ServiceError(
            "import_invalid",
            f"共 {len(report.bad_rows)} 行有误，未导入任何数据。请修改后重新导入，或选择“仅导入有效行”。",
            {"rows": report.messages()},
        )
    valid = report.valid_rows
    if not valid:
        raise ServiceError("import_empty", "没有可导入的有效行。", {"rows": report.messages()})
    result = ImportResult(skipped=len(report.bad_rows))
    with transaction.atomic():
        {"codes": _apply_codes, "causes": _apply_causes, "benchmarks": _apply_benchmarks}[kind](actor, valid, result)
        audit.record(
            actor,
            AuditAction.CREATE,
            None,
            object_type=KINDS[kind]["model"]._meta.label_lower,
            object_repr=f"Excel 导入{KINDS[kind]['label']}",
            detail={
                "op": "import",
                "kind": kind,
                "file": file_name,
                "rows": report.total,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "skipped_rows": [r.row for r in report.bad_rows],
            },
        )
    return result


# --- export -----------------------------------------------------------------------------------------------


def _citations(qs) -> str:
    return "\n".join(p.citation for p in qs)


def _export_rows(kind: str):
    if kind == "codes":
        qs = (
            ViolationCode.objects.filter(is_current=True)
            .select_related("business_line")
            .prefetch_related("violated_provisions", "penalty_provisions")
            .order_by("code")
        )
        for c in qs:
            yield [
                c.code,
                c.name,
                c.business_line.label if c.business_line else "",
                _citations(c.violated_provisions.all()),
                _citations(c.penalty_provisions.all()),
                c.enforcement_subject,
                "、".join(PenaltyType(v).label for v in c.penalty_types if v in PenaltyType.values),
                c.fine_min,
                c.fine_max,
                "是" if c.simplified_procedure else "否",
                c.get_status_display(),
                c.effective_from,
                c.legacy_basis_text,
            ]
    elif kind == "causes":
        qs = CaseCause.objects.filter(is_deleted=False).prefetch_related(
            "basis_provisions", "penalty_provisions", "violation_codes"
        )
        for c in qs.order_by("cause_code"):
            yield [
                c.cause_code,
                c.name,
                c.get_item_type_display(),
                c.item_code,
                "、".join(ExerciseLevel(v).label for v in c.exercise_levels if v in ExerciseLevel.values),
                _citations(c.basis_provisions.all()),
                _citations(c.penalty_provisions.all()),
                "、".join(v.code for v in c.violation_codes.all()),
                c.get_status_display(),
            ]
    else:
        qs = (
            DiscretionBenchmark.objects.filter(violation_code__is_current=True)
            .select_related("violation_code")
            .prefetch_related("basis_provisions", "levels")
            .order_by("violation_code__code", "pk")
        )
        for b in qs:
            for lv in b.levels.all():
                yield [
                    b.violation_code.code,
                    b.name,
                    b.effective_from,
                    "是" if b.is_active else "否",
                    _citations(b.basis_provisions.all()),
                    lv.order,
                    lv.name,
                    "\n".join(lv.conditions),
                    lv.fine_min,
                    lv.fine_max,
                    lv.fixed_amount,
                    lv.other_penalties,
                ]


def export_workbook(kind: str) -> tuple[bytes, int]:
    """The kind's sheet with the import's columns, so an export can be edited and imported again."""
    spec = KINDS[kind]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=spec["label"])
    from openpyxl.cell import WriteOnlyCell

    header = []
    for name in spec["columns"]:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    n = 0
    for row in _export_rows(kind):
        ws.append([float(v) if isinstance(v, Decimal) else v for v in row])
        n += 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), n
