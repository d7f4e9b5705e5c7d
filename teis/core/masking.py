"""Masking of personal data for display and export (脱敏).

Guarantees, for every function here:
- the result has exactly as many characters as the input (so the shape of the value stays recognisable);
- only the documented leading and trailing characters are shown; every other character is `MASK_CHAR`;
- a value too short to show its ends and still hide something is masked completely, so no input is ever
  returned in clear (except the empty string).
Callers pass the stored (normalised) value; nothing is stripped or reformatted here.
"""

from __future__ import annotations

from typing import Final

MASK_CHAR: Final = "*"


def mask_generic(value: str, keep_start: int, keep_end: int) -> str:
    """Show the first `keep_start` and last `keep_end` characters; mask the rest.

    If the value has no more than `keep_start + keep_end` characters, all of it is masked.
    """
    if keep_start < 0 or keep_end < 0:
        raise ValueError("keep_start and keep_end must not be negative")
    if not value:
        return ""
    length = len(value)
    if length <= keep_start + keep_end:
        return MASK_CHAR * length
    end = value[length - keep_end :] if keep_end else ""
    return value[:keep_start] + MASK_CHAR * (length - keep_start - keep_end) + end


def mask_id_number(value: str) -> str:
    """身份证号 前6后4: "310101199001011234" -> "310101********1234" (region code and last four)."""
    return mask_generic(value, 6, 4)


def mask_phone(value: str) -> str:
    """手机号 前3后4: "13812345678" -> "138****5678"."""
    return mask_generic(value, 3, 4)


def mask_name(value: str) -> str:
    """姓名 keeps the first character only: "张三" -> "张*", "欧阳娜娜" -> "欧***".

    A one-character name is masked completely ("*"), since keeping its first character would show it all.
    """
    return mask_generic(value, 1, 0)


def mask_address(value: str) -> str:
    """An address shows its first six characters (district level), the rest masked."""
    return mask_generic(value, 6, 0)
