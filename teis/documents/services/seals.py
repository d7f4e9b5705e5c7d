"""电子印章: each issuing unit's seal image and SM2 key pair. The private key is SM4-encrypted at rest and only
ever decrypted here, to sign; creating a key and every use of it are audited. All cryptography is
`teis.core.crypto`'s (SM2 over the SM3 digest, GmSSL / OpenSSL underneath)."""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import crypto

from ..models import UnitSeal

if TYPE_CHECKING:
    from teis.org.models import Unit


def seal_svg(name: str) -> str:
    """A round red official seal: the unit name around the edge, a star in the middle, 专用章 below."""
    cx = cy = 100
    radius = 72
    chars = list(name)[:24]
    n = len(chars)
    span = min(250.0, 16.0 * n)  # degrees of arc the name covers, centred at the top
    parts = []
    for i, ch in enumerate(chars):
        angle = -span / 2 + (span * (i + 0.5) / n if n else 0)
        x = cx + radius * math.sin(math.radians(angle))
        y = cy - radius * math.cos(math.radians(angle))
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" transform="rotate({angle:.1f} {x:.1f} {y:.1f})" '
            f'text-anchor="middle" dominant-baseline="central">{html.escape(ch)}</text>'
        )
    star = []
    for k in range(10):
        r = 26 if k % 2 == 0 else 10.5
        a = math.radians(-90 + 36 * k)
        star.append(f"{cx + r * math.cos(a):.1f},{cy + r * math.sin(a):.1f}")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">'
        '<circle cx="100" cy="100" r="94" fill="none" stroke="#d01c1c" stroke-width="5"/>'
        '<g fill="#d01c1c" font-family="Noto Sans CJK SC, sans-serif" font-size="19" font-weight="700">'
        + "".join(parts)
        + f'<polygon points="{" ".join(star)}"/>'
        + '<text x="100" y="158" text-anchor="middle" font-size="16">执法专用章</text></g></svg>'
    )


def seal_unit(unit: Unit) -> Unit:
    """The unit whose seal a document of `unit` carries: the enforcement subject (执法主体) it belongs to — the
    nearest unit up its chain with a 执法主体编码, else the top of the tree (the corps)."""
    node: Unit | None = unit
    while node is not None:
        if node.subject_code:
            return node
        if node.parent_id is None:
            return node
        node = node.parent
    return unit


def ensure_unit_seal(actor: Any, unit: Unit) -> UnitSeal:
    """The seal of `unit`'s enforcement subject (`seal_unit`), created with a fresh SM2 key pair on first use
    (audited)."""
    unit = seal_unit(unit)
    seal = UnitSeal.objects.filter(unit=unit).first()
    if seal is not None:
        return seal
    try:
        with transaction.atomic():  # a savepoint: a concurrent first use may create it first
            return _create_seal(actor, unit)
    except IntegrityError:
        return UnitSeal.objects.get(unit=unit)


def _create_seal(actor: Any, unit: Unit) -> UnitSeal:
    private, public = crypto.sm2_generate_keypair()
    seal = UnitSeal.objects.create(
        unit=unit,
        name=f"{unit.name}执法专用章",
        public_key=public.hex(),
        private_key=crypto.sm4_encrypt(private.hex()),
        image_svg=seal_svg(unit.name),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        seal,
        detail={"operation": "documents.seal_key_created", "public_key": seal.public_key},
    )
    return seal


def sign_digest(actor: Any, seal: UnitSeal, digest: bytes, *, purpose: str, reference: str) -> bytes:
    """SM2 signature (DER) of the 32-byte SM3 `digest` with the seal's key; the use is audited."""
    private = bytes.fromhex(crypto.sm4_decrypt(seal.private_key))
    signature = crypto.sm2_sign(private, digest)
    audit.record(
        actor,
        AuditAction.UPDATE,
        seal,
        detail={"operation": "documents.seal_used", "purpose": purpose, "reference": reference, "sm3": digest.hex()},
    )
    return signature


def verify_digest(seal: UnitSeal, digest: bytes, signature_hex: str) -> bool:
    try:
        return crypto.sm2_verify(bytes.fromhex(seal.public_key), digest, bytes.fromhex(signature_hex))
    except (ValueError, crypto.CryptoError):
        return False


def public_key_pem(seal: UnitSeal) -> str:
    """The seal's public key as a PEM SubjectPublicKeyInfo (id-ecPublicKey, curve SM2), for OpenSSL."""
    import base64

    point = bytes.fromhex(seal.public_key)
    if len(point) == 64:
        point = b"\x04" + point
    # SEQUENCE { SEQUENCE { OID ecPublicKey, OID sm2 }, BIT STRING point }
    algo = bytes.fromhex("301306072a8648ce3d020106082a811ccf5501822d")
    bits = b"\x03" + bytes([len(point) + 1]) + b"\x00" + point
    body = algo + bits
    der = b"\x30" + bytes([len(body)]) + body
    b64 = base64.encodebytes(der).decode().replace("\n", "")
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"
