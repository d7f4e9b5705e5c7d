"""Validation of violation codes and case-cause catalogue codes.

Case-cause catalogue code (案由目录编码, spec §2.7.1.2): 20 ASCII digits =
  positions 1–12   基本编码 (basic code): digits, not all zeros (it names the power item);
  positions 13–14  案由代码 (cause code): digits, 01–99 (00 is not a cause);
  positions 15–20  附加码 (additional code): digits (000000 allowed: no additional qualifier).
Every refusal is a Django `ValidationError` whose Chinese message names the offending segment, so an
officer who mistyped one digit sees where.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError

from .choices import ExerciseLevel, PenaltyType

CAUSE_CODE_LENGTH = 20
CAUSE_SEGMENTS = (
    # (start, end (exclusive), name, positions label)
    (0, 12, "基本编码", "第 1–12 位"),
    (12, 14, "案由代码", "第 13–14 位"),
    (14, 20, "附加码", "第 15–20 位"),
)
_ASCII_DIGITS = re.compile(r"[0-9]+")
VIOLATION_CODE_RE = re.compile(r"[A-Za-z0-9]{4,20}")


def validate_cause_code(value) -> str:
    """Return the normalised (stripped) code or raise ValidationError naming the wrong segment."""
    if not isinstance(value, str):
        raise ValidationError("案由目录编码应为 20 位数字。", code="cause_code_type")
    code = value.strip()
    if not code:
        raise ValidationError("请填写案由目录编码。", code="cause_code_required")
    if len(code) != CAUSE_CODE_LENGTH:
        raise ValidationError(
            f"案由目录编码应为 20 位（12 位基本编码 + 2 位案由代码 + 6 位附加码），当前为 {len(code)} 位。",
            code="cause_code_length",
        )
    for start, end, name, positions in CAUSE_SEGMENTS:
        segment = code[start:end]
        if not _ASCII_DIGITS.fullmatch(segment):
            raise ValidationError(f"案由目录编码{positions}（{name}）应为数字。", code="cause_code_segment")
    if code[0:12] == "0" * 12:
        raise ValidationError("案由目录编码第 1–12 位（基本编码）不能全为 0。", code="cause_code_segment")
    if code[12:14] == "00":
        raise ValidationError("案由目录编码第 13–14 位（案由代码）应在 01–99 之间。", code="cause_code_segment")
    return code


def validate_violation_code(value) -> str:
    """Letters and digits, 4–20 characters."""
    code = value.strip() if isinstance(value, str) else ""
    if not VIOLATION_CODE_RE.fullmatch(code):
        raise ValidationError("违章代码应为 4–20 位字母或数字。", code="violation_code_format")
    return code


def check_penalty_types(values) -> list[str]:
    """Return the list or raise ValidationError naming unknown values."""
    if values in (None, ""):
        return []
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise ValidationError("处罚种类应为取值列表。", code="penalty_types")
    unknown = [v for v in values if v not in PenaltyType.values]
    if unknown:
        raise ValidationError(f"处罚种类无效：{'、'.join(unknown)}。", code="penalty_types")
    return list(dict.fromkeys(values))


def check_exercise_levels(values) -> list[str]:
    if values in (None, ""):
        return []
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise ValidationError("行使层级应为取值列表。", code="exercise_levels")
    unknown = [v for v in values if v not in ExerciseLevel.values]
    if unknown:
        raise ValidationError(f"行使层级无效：{'、'.join(unknown)}。", code="exercise_levels")
    return list(dict.fromkeys(values))


def check_fine_range(fine_min: Decimal | None, fine_max: Decimal | None) -> dict[str, list[str]]:
    """Field errors of a fine range (both bounds optional)."""
    errors: dict[str, list[str]] = {}
    if fine_min is not None and fine_min < 0:
        errors["fine_min"] = ["罚款下限不能为负数"]
    if fine_max is not None and fine_max < 0:
        errors["fine_max"] = ["罚款上限不能为负数"]
    if fine_min is not None and fine_max is not None and fine_min > fine_max and not errors:
        errors["fine_max"] = ["罚款上限不能小于下限"]
    return errors
