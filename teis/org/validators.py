from django.conf import settings
from django.core.exceptions import ValidationError


def check_subject_code(value: str) -> str:
    """执法主体编码: the digits the unified case code carries for the unit (width from TEIS_CASE_CODE_WIDTHS)."""
    code = (value or "").strip()
    width = settings.TEIS_CASE_CODE_WIDTHS[1]
    if code and (len(code) != width or not code.isdigit()):
        raise ValidationError(f"执法主体编码应为 {width} 位数字（用于统一案件编码）。", code="invalid_subject_code")
    return code
