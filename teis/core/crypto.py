"""国密 (Chinese commercial cryptography) primitives for TEIS: SM3, HMAC-SM3, SM4 field encryption, SM2.

Every other module goes through this one; nothing else imports `cryptography` or `gmssl_pyx` for these
algorithms. SM3 and SM4 come from OpenSSL through `cryptography`; SM2 comes from the GmSSL C library through
`gmssl_pyx`. No pure-Python implementation of any algorithm is used.

Guarantees:
- `sm3_*`, `hmac_sm3` and `blind_index` are deterministic; `blind_index` output is 64 lowercase hex chars.
- `sm4_encrypt` is randomised (fresh IV per call) and authenticated: `sm4_decrypt` either returns the exact
  plaintext or raises `CryptoError`; a token encrypted under any configured key version stays decryptable
  after `TEIS_SM4_KEY_VERSION` moves on, as long as its key stays in `TEIS_SM4_KEYS`.
- `sm2_verify` returns False for any wrong or malformed signature; it never raises for one.
"""

from __future__ import annotations

import base64
import binascii
import hmac as std_hmac
import os
import re
from typing import TYPE_CHECKING, Final

import gmssl_pyx

if TYPE_CHECKING:
    from _typeshed import SupportsRead
from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "CryptoError",
    "Sm3Hasher",
    "blind_index",
    "hmac_sm3",
    "sm2_generate_keypair",
    "sm2_sign",
    "sm2_verify",
    "sm3_digest",
    "sm3_file_hex",
    "sm3_hex",
    "sm4_decrypt",
    "sm4_encrypt",
    "sm4_open",
    "sm4_seal",
    "token_key_version",
]


class CryptoError(ValueError):
    """A token, key or signature input that cannot be used. The message is Chinese and safe to show."""


# --- SM3 ----------------------------------------------------------------------------------------------


def sm3_digest(data: bytes) -> bytes:
    """SM3 (GB/T 32905) digest of `data`: 32 bytes."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def sm3_hex(data: bytes) -> str:
    """SM3 digest of `data` as 64 lowercase hex characters."""
    return sm3_digest(data).hex()


class Sm3Hasher:
    """Incremental SM3, hashlib-style, for data too large to hold in memory (evidence files).

    `digest()` / `hexdigest()` may be called at any time and any number of times; `update()` may continue
    afterwards, exactly like `hashlib`.
    """

    digest_size: Final = 32
    block_size: Final = 64
    name: Final = "sm3"

    def __init__(self, data: bytes = b"") -> None:
        self._hash = hashes.Hash(hashes.SM3())
        if data:
            self._hash.update(data)

    def update(self, data: bytes | memoryview) -> None:
        """Feed more bytes (bytes, bytearray or memoryview)."""
        self._hash.update(data)

    def copy(self) -> Sm3Hasher:
        """An independent hasher with the same state."""
        clone = Sm3Hasher.__new__(Sm3Hasher)
        clone._hash = self._hash.copy()
        return clone

    def digest(self) -> bytes:
        """Digest of everything fed so far (32 bytes); does not end the stream."""
        return self._hash.copy().finalize()

    def hexdigest(self) -> str:
        """`digest()` as 64 lowercase hex characters."""
        return self.digest().hex()


def sm3_file_hex(fileobj: SupportsRead[bytes], chunk_size: int = 1 << 20) -> str:
    """SM3 hex digest of a binary file object read from its current position to its end, in chunks."""
    hasher = Sm3Hasher()
    while chunk := fileobj.read(chunk_size):
        hasher.update(chunk)
    return hasher.hexdigest()


def hmac_sm3(key: bytes, data: bytes) -> str:
    """HMAC-SM3 (RFC 2104 construction over SM3) of `data` under `key`, as 64 lowercase hex characters."""
    return _hmac_sm3_bytes(key, data).hex()


def _hmac_sm3_bytes(key: bytes, data: bytes) -> bytes:
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def blind_index(value: str) -> str:
    """Keyed SM3 index of a personal-data value for exact look-up of encrypted columns (64 hex chars).

    The value is normalised with `.strip().upper()` first, so " 11010519491231002x" and
    "11010519491231002X" index the same. The key is `settings.TEIS_INDEX_KEY` (hex); without the key the
    index reveals nothing about the value beyond equality.
    """
    return hmac_sm3(_index_key(), value.strip().upper().encode("utf-8"))


def _index_key() -> bytes:
    raw = getattr(settings, "TEIS_INDEX_KEY", "")
    try:
        key = bytes.fromhex(raw)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured("TEIS_INDEX_KEY 必须是十六进制字符串") from exc
    if len(key) < 16:
        raise ImproperlyConfigured("TEIS_INDEX_KEY 至少需要 16 字节（32 个十六进制字符）")
    return key


# --- SM4 field encryption ---------------------------------------------------------------------------
#
# Token: "sm4:v{version}:{base64(payload)}". The payload's first byte names the scheme, so a token stays
# readable whatever the current host supports:
#   0x01 SM4-GCM:              0x01 | iv (12) | ciphertext | tag (16)
#   0x02 SM4-CBC + HMAC-SM3:   0x02 | iv (16) | ciphertext (PKCS#7) | mac (32)  -- encrypt-then-MAC
# Both schemes authenticate the header "sm4:v{version}" as associated data, so a token cannot be
# relabelled with another key version.

_TOKEN_RE: Final = re.compile(r"sm4:v([0-9]{1,9}):([A-Za-z0-9+/]+={0,2})")
_SCHEME_GCM: Final = 0x01
_SCHEME_CBC_HMAC: Final = 0x02
_GCM_IV_BYTES: Final = 12
_GCM_TAG_BYTES: Final = 16
_CBC_IV_BYTES: Final = 16
_MAC_BYTES: Final = 32
_MAC_KEY_LABEL: Final = b"TEIS SM4-CBC HMAC-SM3 key"


def _sm4_gcm_supported() -> bool:
    """Whether the linked OpenSSL offers SM4 in GCM mode."""
    try:
        Cipher(algorithms.SM4(bytes(16)), modes.GCM(bytes(_GCM_IV_BYTES))).encryptor()
    except UnsupportedAlgorithm:
        return False
    return True


SM4_GCM_SUPPORTED: Final[bool] = _sm4_gcm_supported()


def sm4_encrypt(plaintext: str, key_version: int | None = None) -> str:
    """Encrypt `plaintext` (UTF-8) under SM4 key `key_version` (default: `TEIS_SM4_KEY_VERSION`).

    Returns "sm4:v{version}:{base64}". Two encryptions of the same text differ (random IV).
    Raises `CryptoError` for a version that has no configured key.
    """
    version = _current_version() if key_version is None else key_version
    key = _sm4_key(version)
    data = plaintext.encode("utf-8")
    aad = _header(version).encode("ascii")
    # OpenSSL builds without SM4-GCM get the CBC + HMAC scheme; both decrypt everywhere GCM exists.
    payload = _gcm_seal(key, aad, data) if SM4_GCM_SUPPORTED else _cbc_hmac_seal(key, aad, data)
    return f"{_header(version)}:{base64.b64encode(payload).decode('ascii')}"


def sm4_decrypt(token: str) -> str:
    """Return the plaintext of a token made by `sm4_encrypt`.

    Raises `CryptoError` when the token is malformed, names a key version that is not configured, or was
    altered in any way (authentication fails).
    """
    version, payload = _parse_token(token)
    key = _sm4_key(version)
    aad = _header(version).encode("ascii")
    scheme = payload[0]
    if scheme == _SCHEME_GCM:
        data = _gcm_open(key, aad, payload)
    elif scheme == _SCHEME_CBC_HMAC:
        data = _cbc_hmac_open(key, aad, payload)
    else:
        raise CryptoError("密文格式无效：未知的加密方案")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:  # only reachable with a forged token under a leaked key
        raise CryptoError("密文解密结果不是有效文本") from exc


def token_key_version(token: str) -> int:
    """The key version a token was encrypted under (for re-encryption after key rotation)."""
    return _parse_token(token)[0]


def _header(version: int) -> str:
    return f"sm4:v{version}"


def _parse_token(token: str) -> tuple[int, bytes]:
    match = _TOKEN_RE.fullmatch(token) if isinstance(token, str) else None
    if match is None:
        raise CryptoError("密文格式无效")
    try:
        payload = base64.b64decode(match.group(2), validate=True)
    except binascii.Error as exc:
        raise CryptoError("密文格式无效：编码错误") from exc
    if not payload:
        raise CryptoError("密文格式无效")
    return int(match.group(1)), payload


def _configured_keys() -> dict[int, str]:
    keys = getattr(settings, "TEIS_SM4_KEYS", None)
    if not isinstance(keys, dict) or not keys:
        raise ImproperlyConfigured("未配置 TEIS_SM4_KEYS（SM4 密钥）")
    return {int(version): value for version, value in keys.items()}


def _current_version() -> int:
    version = getattr(settings, "TEIS_SM4_KEY_VERSION", None)
    if version is None:
        raise ImproperlyConfigured("未配置 TEIS_SM4_KEY_VERSION（当前 SM4 密钥版本）")
    return int(version)


def _sm4_key(version: int) -> bytes:
    raw = _configured_keys().get(version)
    if raw is None:
        raise CryptoError(f"未知的密钥版本 v{version}，无法处理该密文")
    try:
        key = bytes.fromhex(raw)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"SM4 密钥 v{version} 不是十六进制字符串") from exc
    if len(key) != 16:
        raise ImproperlyConfigured(f"SM4 密钥 v{version} 必须是 16 字节（32 个十六进制字符）")
    return key


def _gcm_seal(key: bytes, aad: bytes, data: bytes) -> bytes:
    iv = os.urandom(_GCM_IV_BYTES)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(iv)).encryptor()
    encryptor.authenticate_additional_data(aad)
    ciphertext = encryptor.update(data) + encryptor.finalize()
    return bytes([_SCHEME_GCM]) + iv + ciphertext + encryptor.tag


def _gcm_open(key: bytes, aad: bytes, payload: bytes) -> bytes:
    if len(payload) < 1 + _GCM_IV_BYTES + _GCM_TAG_BYTES:
        raise CryptoError("密文格式无效：长度不足")
    if not SM4_GCM_SUPPORTED:  # pragma: no cover - depends on the OpenSSL build
        raise CryptoError("本机密码库不支持 SM4-GCM，无法解密该密文")
    iv = payload[1 : 1 + _GCM_IV_BYTES]
    ciphertext = payload[1 + _GCM_IV_BYTES : -_GCM_TAG_BYTES]
    tag = payload[-_GCM_TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(iv, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    try:
        return decryptor.update(ciphertext) + decryptor.finalize()
    except InvalidTag as exc:
        raise CryptoError("密文校验失败：数据已被篡改或密钥不匹配") from exc


def _cbc_mac_key(key: bytes) -> bytes:
    # Separate keys for encryption and authentication, both derived from the one configured key.
    return _hmac_sm3_bytes(key, _MAC_KEY_LABEL)


def _cbc_hmac_seal(key: bytes, aad: bytes, data: bytes) -> bytes:
    iv = os.urandom(_CBC_IV_BYTES)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.SM4(key), modes.CBC(iv)).encryptor()
    body = bytes([_SCHEME_CBC_HMAC]) + iv + encryptor.update(padded) + encryptor.finalize()
    return body + _hmac_sm3_bytes(_cbc_mac_key(key), aad + body)


def _cbc_hmac_open(key: bytes, aad: bytes, payload: bytes) -> bytes:
    body, mac = payload[:-_MAC_BYTES], payload[-_MAC_BYTES:]
    ciphertext = body[1 + _CBC_IV_BYTES :]
    if len(payload) < 1 + _CBC_IV_BYTES + 16 + _MAC_BYTES or len(ciphertext) % 16:
        raise CryptoError("密文格式无效：长度不足")
    expected = _hmac_sm3_bytes(_cbc_mac_key(key), aad + body)
    if not std_hmac.compare_digest(mac, expected):
        raise CryptoError("密文校验失败：数据已被篡改或密钥不匹配")
    iv = body[1 : 1 + _CBC_IV_BYTES]
    decryptor = Cipher(algorithms.SM4(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError as exc:  # authenticated, so only a forged token under a leaked key gets here
        raise CryptoError("密文格式无效：填充错误") from exc


def sm4_seal(key: bytes, data: bytes, aad: bytes = b"") -> bytes:
    """Authenticated SM4 encryption of `data` under a raw 16-byte key (not a configured field key).

    For material encrypted under a key derived from a passphrase (backup key files). Same schemes as
    `sm4_encrypt`; `sm4_open` reverses it.
    """
    if len(key) != 16:
        raise CryptoError("SM4 密钥长度必须为 16 字节")
    return _gcm_seal(key, aad, data) if SM4_GCM_SUPPORTED else _cbc_hmac_seal(key, aad, data)


def sm4_open(key: bytes, payload: bytes, aad: bytes = b"") -> bytes:
    """The plaintext of `sm4_seal`'s output; `CryptoError` when the key is wrong or the data altered."""
    if len(key) != 16:
        raise CryptoError("SM4 密钥长度必须为 16 字节")
    if payload[:1] == bytes([_SCHEME_GCM]):
        return _gcm_open(key, aad, payload)
    if payload[:1] == bytes([_SCHEME_CBC_HMAC]):
        return _cbc_hmac_open(key, aad, payload)
    raise CryptoError("密文格式无效：未知的加密方案")


# --- SM2 signatures -------------------------------------------------------------------------------
#
# Keys are raw: private = 32-byte scalar d, public = 64-byte x || y (65 bytes with a leading 0x04 are
# accepted too). Signatures are DER-encoded (r, s) and include Z_A with the default signer ID
# "1234567812345678" (GB/T 32918.2, GM/T 0009), so other SM2 implementations verify them.

_SM2_SIGNER_ID: Final = b"1234567812345678"
# The SM2 base point G. gmssl_pyx.sm2_sign takes a public key next to the private key, but GmSSL's
# sm2_key_set_private_key() recomputes the public point as d*G, and Z_A is computed from that point. So
# any valid point can be passed here and the signature is the standard one for d's own public key
# (test_crypto pins this behaviour of the installed version).
_SM2_BASE_POINT: Final = bytes.fromhex(
    "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7"
    "bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0"
)


def sm2_generate_keypair() -> tuple[bytes, bytes]:
    """A fresh SM2 key pair as (private 32 bytes, public 64 bytes)."""
    public_key, private_key = gmssl_pyx.sm2_key_generate()
    return private_key, public_key


def sm2_sign(private_key: bytes, data: bytes) -> bytes:
    """SM2 signature (DER) of `data`, with Z_A for the default signer ID. Randomised per call.

    Raises `CryptoError` for a private key that is not a valid 32-byte SM2 scalar.
    """
    if len(private_key) != 32:
        raise CryptoError("SM2 私钥长度必须为 32 字节")
    try:
        signature: bytes = gmssl_pyx.sm2_sign(private_key, _SM2_BASE_POINT, data, signer_id=_SM2_SIGNER_ID)
    except gmssl_pyx.GmsslInnerError as exc:  # InvalidValueError is a subclass
        raise CryptoError("SM2 私钥无效") from exc
    return signature


def sm2_verify(public_key: bytes, data: bytes, signature: bytes) -> bool:
    """True when `signature` is a valid SM2 signature of `data` by the owner of `public_key`.

    Any wrong, truncated or garbage signature gives False. Raises `CryptoError` only for a public key
    that is not a point on the SM2 curve (a configuration error, not a bad signature).
    """
    point = _sm2_public_point(public_key)
    if not signature:
        return False
    try:
        return bool(gmssl_pyx.sm2_verify(point, data, signature, signer_id=_SM2_SIGNER_ID))
    except gmssl_pyx.GmsslInnerError:
        return False


def _sm2_public_point(public_key: bytes) -> bytes:
    if len(public_key) not in (64, 65):
        raise CryptoError("SM2 公钥长度必须为 64 或 65 字节")
    try:
        point: bytes = gmssl_pyx.normalize_sm2_public_key(bytes(public_key))
    except gmssl_pyx.GmsslInnerError as exc:
        raise CryptoError("SM2 公钥无效：不是曲线上的点") from exc
    return point
