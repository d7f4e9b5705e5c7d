"""Unified case code (统一案件编码, 赋码, spec §2.7.1.2) and the file number (文号).

Case code: region (GB/T 2260) + enforcement subject code + item-type code (`ItemTypeCode`) + date (YYMMDD) +
sequence. Segment widths come from `settings.TEIS_CASE_CODE_WIDTHS` (default 6 + 2 + 1 + 6 + 3 = 18). The
sequence is per region + subject + item type + day, from `teis.core.codes` (unique under concurrency, never
reused); a sequence that no longer fits its width is refused rather than silently widened.

File number: `settings.TEIS_FILE_NUMBER_PATTERNS[procedure]` (a `str.format` pattern over `prefix`, `year`
and `n`), the prefix per enforcement subject from `settings.TEIS_FILE_NUMBER_PREFIXES` (keyed by subject
code) or `TEIS_FILE_NUMBER_DEFAULT_PREFIX`; numbered per subject + procedure + year.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from teis.core import codes as core_codes
from teis.core.services import ServiceError

from .choices import ItemTypeCode, Procedure

SEGMENT_LABELS: Final = ("行政区划代码", "执法主体编码", "事项类型码", "日期码", "顺序号")
DEFAULT_WIDTHS: Final = (6, 2, 1, 6, 3)
# GB/T 2260 province-level codes (and 71 台湾, 81/82 港澳).
PROVINCE_CODES: Final = frozenset(
    str(code)
    for code in [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66)]
    + [71, 81, 82]
)
DEFAULT_FILE_NUMBER_PATTERNS: Final = {
    Procedure.GENERAL: "{prefix}罚〔{year}〕第{n:06d}号",
    Procedure.SIMPLIFIED: "{prefix}简〔{year}〕第{n:06d}号",
    Procedure.COERCIVE: "{prefix}强〔{year}〕第{n:06d}号",
    Procedure.INSPECTION: "{prefix}检〔{year}〕第{n:06d}号",
}
DEFAULT_FILE_NUMBER_PREFIX: Final = "沪交执"
# 事项类型 of the catalogue → the one-digit segment
CAUSE_ITEM_TYPE: Final = {
    "penalty": ItemTypeCode.PENALTY,
    "coercion": ItemTypeCode.COERCION,
    "inspection": ItemTypeCode.INSPECTION,
}
PROCEDURE_ITEM_TYPE: Final = {
    Procedure.GENERAL: ItemTypeCode.PENALTY,
    Procedure.SIMPLIFIED: ItemTypeCode.PENALTY,
    Procedure.COERCIVE: ItemTypeCode.COERCION,
    Procedure.INSPECTION: ItemTypeCode.INSPECTION,
}


def case_code_widths() -> list[int]:
    widths = list(getattr(settings, "TEIS_CASE_CODE_WIDTHS", DEFAULT_WIDTHS))
    if len(widths) != 5 or any(not isinstance(w, int) or w < 1 for w in widths):
        raise ServiceError("bad_config", "统一案件编码分段配置 TEIS_CASE_CODE_WIDTHS 应为 5 个正整数")
    if widths[3] != 6:
        raise ServiceError("bad_config", "统一案件编码的日期码应为 6 位（YYMMDD）")
    return widths


def _load_ancestors(unit) -> None:
    """Read the unit's ancestors in one query (by its materialised path) into the `parent` caches, so that walking up
    reads nothing more (perf: was one query per level); a chain the path does not describe is read level by level."""
    from teis.org.models import Unit

    if unit is None or not unit.parent_id or Unit.parent.is_cached(unit) or not unit.path:
        return
    parts = unit.path.rstrip(".").split(".")
    prefixes = [".".join(parts[:i]) + "." for i in range(1, len(parts))]
    found = {u.pk: u for u in Unit.objects.filter(path__in=prefixes)}
    node = unit
    while node.parent_id in found and not Unit.parent.is_cached(node):
        node.parent = found[node.parent_id]
        node = node.parent


def nearest_unit_with(unit, attr: str):
    """The unit itself or its nearest ancestor whose `attr` is set (None when there is none)."""
    if unit is not None and not getattr(unit, attr, ""):
        _load_ancestors(unit)
    node, seen = unit, set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        if getattr(node, attr, ""):
            return node
        node = node.parent
    return None


def item_type_code(case) -> str:
    """The one-digit 事项类型码: from the case cause's item type when it has one, else from the procedure."""
    cause = case.case_cause if case.case_cause_id else None
    if cause is not None and cause.item_type in CAUSE_ITEM_TYPE:
        return str(CAUSE_ITEM_TYPE[cause.item_type])
    return str(PROCEDURE_ITEM_TYPE.get(case.procedure, ItemTypeCode.PENALTY))


def case_code_prefix(case, on_date: dt.date) -> str:
    """Region + subject + item type + date, refusing (Chinese ServiceError) a unit without the codes."""
    widths = case_code_widths()
    unit = case.unit
    region_unit = nearest_unit_with(unit, "region_code")
    if region_unit is None:
        raise ServiceError(
            "no_region_code",
            f"承办单位“{unit.name}”及其上级单位均未设置行政区划代码，无法赋码",
            {"unit": ["缺少行政区划代码"]},
        )
    subject_unit = nearest_unit_with(unit, "subject_code")
    if subject_unit is None:
        raise ServiceError(
            "no_subject_code",
            f"承办单位“{unit.name}”及其上级单位均未设置执法主体编码，无法赋码",
            {"unit": ["缺少执法主体编码"]},
        )
    region, subject = region_unit.region_code, subject_unit.subject_code
    if len(region) != widths[0] or not region.isdigit():
        raise ServiceError(
            "bad_region_code", f"单位“{region_unit.name}”的行政区划代码 {region} 应为 {widths[0]} 位数字"
        )
    if len(subject) != widths[1] or not subject.isdigit():
        raise ServiceError(
            "bad_subject_code", f"单位“{subject_unit.name}”的执法主体编码 {subject} 应为 {widths[1]} 位数字"
        )
    item = item_type_code(case)
    if len(item) != widths[2]:
        item = item.rjust(widths[2], "0")
    return f"{region}{subject}{item}{on_date:%y%m%d}"


def generate_case_code(case, on_date: dt.date | None = None) -> str:
    """A new unified case code for `case` (assigned at filing). Takes a number from the sequence: call it
    inside the transaction that stores the code."""
    widths = case_code_widths()
    prefix = case_code_prefix(case, on_date or timezone.localdate())
    n = core_codes.next_value(f"case_code:{prefix}")
    if n >= 10 ** widths[4]:
        raise ServiceError(
            "sequence_exhausted", f"编码段 {prefix} 当日顺序号已用尽（{widths[4]} 位），请联系系统管理员调整编码配置"
        )
    return f"{prefix}{n:0{widths[4]}d}"


def _region_ok(region: str) -> bool:
    if len(region) != 6:
        return region.isdigit()
    if region[:2] not in PROVINCE_CODES:
        return False
    # a province-level code has 00 for city and county; a county never sits under city part 00
    return not (region[2:4] == "00" and region[4:] != "00")


def validate_case_code(value: object) -> None:
    """Check a unified case code received from outside; ValidationError (Chinese, naming the segment)."""
    widths = case_code_widths()
    total = sum(widths)
    if not isinstance(value, str) or not value:
        raise ValidationError("请填写统一案件编码", code="required")
    if len(value) != total or not value.isascii() or not value.isdigit():
        raise ValidationError(f"统一案件编码应为 {total} 位数字", code="invalid_length")
    parts, start = [], 0
    for w in widths:
        parts.append(value[start : start + w])
        start += w
    region, subject, item, date, seq = parts
    if not _region_ok(region):
        raise ValidationError(
            f"统一案件编码的{SEGMENT_LABELS[0]} {region} 不是有效的 GB/T 2260 区划代码", code="invalid_region"
        )
    if set(subject) == {"0"}:
        raise ValidationError(f"统一案件编码的{SEGMENT_LABELS[1]} {subject} 无效", code="invalid_subject")
    if item.lstrip("0") not in ItemTypeCode.values:
        raise ValidationError(f"统一案件编码的{SEGMENT_LABELS[2]} {item} 无效", code="invalid_item_type")
    try:
        dt.date(2000 + int(date[:2]), int(date[2:4]), int(date[4:]))
    except ValueError:
        raise ValidationError(
            f"统一案件编码的{SEGMENT_LABELS[3]} {date} 不是有效日期（YYMMDD）", code="invalid_date"
        ) from None
    if set(seq) == {"0"}:
        raise ValidationError(f"统一案件编码的{SEGMENT_LABELS[4]}不能为全零", code="invalid_sequence")


def parse_case_code(value: str) -> dict[str, str]:
    """The segments of a valid code: region, subject, item_type, date, sequence."""
    validate_case_code(value)
    out, start = {}, 0
    for name, w in zip(("region", "subject", "item_type", "date", "sequence"), case_code_widths(), strict=True):
        out[name] = value[start : start + w]
        start += w
    return out


# --- file number (文号) -------------------------------------------------------------------------------------

_PLACEHOLDER: Final = re.compile(r"\{(\w+)")


def file_number_pattern(procedure: str) -> str:
    patterns = {**DEFAULT_FILE_NUMBER_PATTERNS, **getattr(settings, "TEIS_FILE_NUMBER_PATTERNS", {})}
    pattern = patterns.get(procedure) or patterns[Procedure.GENERAL]
    unknown = set(_PLACEHOLDER.findall(pattern)) - {"prefix", "year", "n"}
    if unknown:
        raise ServiceError("bad_config", f"文号模板 {pattern} 含有未知占位符：{'、'.join(sorted(unknown))}")
    return pattern


def file_number_prefix(subject_unit) -> str:
    prefixes = getattr(settings, "TEIS_FILE_NUMBER_PREFIXES", {})
    default = getattr(settings, "TEIS_FILE_NUMBER_DEFAULT_PREFIX", DEFAULT_FILE_NUMBER_PREFIX)
    return prefixes.get(subject_unit.subject_code, default) if subject_unit is not None else default


def next_file_number(case, on_date: dt.date | None = None) -> str:
    """The next 文号 of the case's enforcement subject for its procedure and year, e.g. 沪交执罚〔2025〕第000123号."""
    year = (on_date or timezone.localdate()).year
    subject_unit = nearest_unit_with(case.unit, "subject_code")
    if subject_unit is None:
        raise ServiceError(
            "no_subject_code", f"承办单位“{case.unit.name}”及其上级单位均未设置执法主体编码，无法编制文号"
        )
    pattern = file_number_pattern(case.procedure)
    n = core_codes.next_value(f"file_number:{subject_unit.pk}:{case.procedure}:{year}")
    return pattern.format(prefix=file_number_prefix(subject_unit), year=year, n=n)
