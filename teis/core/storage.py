"""Where uploaded files and evidence live: the local disk in the embedded mode, S3-compatible storage when
`STORAGE_URL` is set.

    STORAGE_URL=s3://ACCESS:SECRET@minio.local:9000/teis-media?secure=0&region=us-east-1

URL parts: user and password are the access key and secret (URL-encode special characters); host and
port the endpoint (omit the host for AWS itself); the first path segment the bucket and any further path
a key prefix. Query options: `secure` (1 = https, the default; 0 = http), `region` (default us-east-1),
`addressing` (`path`, the default, which MinIO needs; or `virtual`), `verify` (0 skips TLS certificate
verification, for an internal CA not installed on the host).

Guarantees: objects are private (no ACL is sent, so the bucket's private default applies) and every URL
the storage hands out is a pre-signed, expiring one (`querystring_auth`); an existing file is never
overwritten (a new name is chosen, as on disk).
"""

from __future__ import annotations

import functools
from typing import Any, Final
from urllib.parse import parse_qsl, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, Storage

__all__ = ["get_storage", "parse_storage_url"]

_OPTIONS: Final = frozenset({"secure", "region", "addressing", "verify"})
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})
DEFAULT_REGION: Final = "us-east-1"
URL_EXPIRY_SECONDS: Final = 600


def get_storage() -> Storage:
    """The file storage configured by `STORAGE_URL`, or a FileSystemStorage under `MEDIA_ROOT`.

    The instance is shared per configuration (S3Storage keeps one connection per thread).
    """
    return _storage_for(getattr(settings, "STORAGE_URL", "") or "", str(settings.MEDIA_ROOT))


@functools.lru_cache(maxsize=8)
def _storage_for(url: str, media_root: str) -> Storage:
    if not url:
        return FileSystemStorage(location=media_root)
    from storages.backends.s3 import S3Storage

    storage: Storage = S3Storage(**parse_storage_url(url))
    return storage


def parse_storage_url(url: str) -> dict[str, Any]:
    """Keyword arguments for `storages.backends.s3.S3Storage` from an `s3://` URL (see the module docstring).

    Raises `ImproperlyConfigured` (Chinese message) for another scheme, a missing bucket or an unknown
    or malformed option. The secret never appears in a message.
    """
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise ImproperlyConfigured("STORAGE_URL 仅支持 s3:// 形式（S3 兼容对象存储）")
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    if not segments:
        raise ImproperlyConfigured("STORAGE_URL 缺少存储桶名称，例如 s3://key:secret@host:9000/bucket")
    options = _query_options(parts.query)
    secure = _flag(options, "secure", default=True)
    try:
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured("STORAGE_URL 的端口号无效") from exc
    endpoint = None
    if parts.hostname:
        netloc = parts.hostname if port is None else f"{parts.hostname}:{port}"
        if ":" in parts.hostname:  # IPv6 literal
            netloc = f"[{parts.hostname}]" + ("" if port is None else f":{port}")
        endpoint = f"{'https' if secure else 'http'}://{netloc}"
    addressing = options.get("addressing", "path")
    if addressing not in ("path", "virtual"):
        raise ImproperlyConfigured("STORAGE_URL 的 addressing 只能是 path 或 virtual")
    return {
        "access_key": unquote(parts.username) if parts.username else None,
        "secret_key": unquote(parts.password) if parts.password else None,
        "bucket_name": segments[0],
        "location": "/".join(segments[1:]),
        "endpoint_url": endpoint,
        "region_name": options.get("region") or DEFAULT_REGION,
        "use_ssl": secure,
        "verify": None if _flag(options, "verify", default=True) else False,
        "addressing_style": addressing,
        "signature_version": "s3v4",
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": URL_EXPIRY_SECONDS,
        "file_overwrite": False,
    }


def _query_options(query: str) -> dict[str, str]:
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = set(options) - _OPTIONS
    if unknown:
        raise ImproperlyConfigured(f"STORAGE_URL 含有不支持的参数：{', '.join(sorted(unknown))}")
    return options


def _flag(options: dict[str, str], name: str, *, default: bool) -> bool:
    raw = options.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"STORAGE_URL 的参数 {name} 只能是 1 或 0")
