"""Verification codes printed on documents (the QR opens /verify/<code>): 15 random Crockford base-32
characters and one check character, shown in groups of four (`ABCD-EFGH-JKMN-PQR7`).

`parse_verify_code` accepts what a person or a scanner types (lower case, spaces, hyphens, O for 0, I / L for 1)
and returns the canonical form, or None for anything that is not a well-formed code — it never raises.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
BODY = 15
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_SUBSTITUTE = {"O": "0", "I": "1", "L": "1"}


def _check(body: str) -> str:
    # odd weights are invertible mod 32: any single wrong character changes the check character
    total = sum((2 * i + 1) * _VALUE[ch] for i, ch in enumerate(body))
    return ALPHABET[total % 32]


def new_verify_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY))
    return body + _check(body)


def parse_verify_code(text) -> str | None:
    if not isinstance(text, str) or len(text) > 64:
        return None
    cleaned = "".join(ch for ch in text.strip().upper() if ch not in " -_")
    cleaned = "".join(_SUBSTITUTE.get(ch, ch) for ch in cleaned)
    if len(cleaned) != BODY + 1 or any(ch not in _VALUE for ch in cleaned):
        return None
    body, check = cleaned[:BODY], cleaned[BODY]
    return cleaned if _check(body) == check else None


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
