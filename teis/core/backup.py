"""Backup and restore of a whole installation: database, files, audit checkpoints and key material.

A backup is one tar file `teis-backup-<time>.tar` with
- `database.sqlite3` (SQLite online backup API: consistent while the system runs) or `database.pgdump`
  (`pg_dump` custom format);
- `media/…` the files of the local file store (with `STORAGE_URL` the object store keeps its own copies:
  only their list is written), and `media.json`, every file's name, size and SM3;
- `audit_checkpoints/…` the signed checkpoints of the audit chain;
- `keys.enc` SECRET_KEY, SM4 keys, index key, audit key and the OIDC signing key, SM4-encrypted under a
  key derived (scrypt) from the backup passphrase: without them the restored personal data cannot be
  decrypted and the audit chain cannot be verified;
- `manifest.json` the SM3 of every member, and `manifest.mac`, HMAC-SM3 of the manifest under the
  passphrase-derived key, so a backup is verified before anything is restored.

`restore_backup` rebuilds an installation from it into an empty database and an empty media directory
(docs/deploy.md, 备份与恢复). Guarantees: nothing is written before the whole archive verified; a
restore never overwrites a database that has tables with rows or a media directory with files.
"""

from __future__ import annotations

import hashlib
import hmac as std_hmac
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

if TYPE_CHECKING:
    from _typeshed import SupportsRead

from . import crypto

FORMAT_VERSION = 1
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class BackupError(Exception):
    """A backup or restore that cannot proceed; the message is Chinese and safe to show."""


@dataclass
class BackupResult:
    path: Path
    database: str
    files: int
    bytes: int
    checkpoints: int
    members: dict[str, str] = field(default_factory=dict)


# --- passphrase ------------------------------------------------------------------------------------


def _derive(passphrase: str, salt: bytes) -> tuple[bytes, bytes]:
    if not passphrase:
        raise BackupError("未提供备份口令（环境变量 TEIS_BACKUP_PASSPHRASE 或 --passphrase）")
    raw = hashlib.scrypt(passphrase.encode(), salt=salt, dklen=48, maxmem=64 * 1024 * 1024, **_SCRYPT)
    return raw[:16], raw[16:]  # SM4 key for keys.enc, HMAC key for the manifest


def passphrase_from_env() -> str:
    return os.environ.get("TEIS_BACKUP_PASSPHRASE", "")


# --- key material ----------------------------------------------------------------------------------


def _key_material() -> dict[str, Any]:
    return {
        "secret_key": settings.SECRET_KEY,
        "sm4_keys": {str(k): v for k, v in settings.TEIS_SM4_KEYS.items()},
        "sm4_key_version": settings.TEIS_SM4_KEY_VERSION,
        "index_key": settings.TEIS_INDEX_KEY,
        "audit_key": settings.TEIS_AUDIT_KEY,
        "oidc_rsa_private_key": settings.OAUTH2_PROVIDER.get("OIDC_RSA_PRIVATE_KEY", ""),
    }


def _write_key_files(keys: dict[str, Any]) -> list[str]:
    """Write the restored keys where settings read them in the embedded mode (var/, mode 0600)."""
    var = Path(settings.VAR_DIR)
    files = {
        "secret_key": keys["secret_key"],
        "sm4_keys": ",".join(f"{k}={v}" for k, v in sorted(keys["sm4_keys"].items())),
        "index_key": keys["index_key"],
        "audit_key": keys["audit_key"],
        "oidc_rsa.pem": keys["oidc_rsa_private_key"],
    }
    written = []
    for name, value in files.items():
        if not value:
            continue
        path = var / name
        if path.exists():
            path.chmod(0o600)
        path.write_text(value)
        path.chmod(0o600)
        written.append(str(path))
    return written


# --- database --------------------------------------------------------------------------------------


def _db_settings(alias: str = "default") -> dict[str, Any]:
    return connections[alias].settings_dict


def _pg_env(db: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["-U", db["USER"]]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _dump_database(target: Path) -> str:
    db = _db_settings()
    if connection.vendor == "sqlite":
        out = target / "database.sqlite3"
        src = sqlite3.connect(db["NAME"])
        dst = sqlite3.connect(out)
        try:
            src.backup(dst)  # the online backup API: a consistent copy while others write
        finally:
            dst.close()
            src.close()
        return out.name
    if connection.vendor == "postgresql":
        out = target / "database.pgdump"
        args, env = _pg_env(db)
        cmd = ["pg_dump", "-Fc", "--no-owner", "--no-privileges", *args, "-f", str(out), db["NAME"]]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if proc.returncode:
            raise BackupError(f"pg_dump 失败：{proc.stderr.strip()[:500]}")
        return out.name
    raise BackupError(f"不支持的数据库类型：{connection.vendor}")


def _database_is_empty() -> bool:
    tables = connection.introspection.table_names()
    if not tables:
        return True
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608 (own names)
            if cur.fetchone():
                return False
    return True


def _restore_database(member: Path) -> None:
    db = _db_settings()
    connections.close_all()
    if member.name == "database.sqlite3":
        if connection.vendor != "sqlite":
            raise BackupError("备份来自 SQLite，当前配置的数据库不是 SQLite")
        src = sqlite3.connect(member)
        dst = sqlite3.connect(db["NAME"])
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return
    if connection.vendor != "postgresql":
        raise BackupError("备份来自 PostgreSQL，当前配置的数据库不是 PostgreSQL")
    args, env = _pg_env(db)
    cmd = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *args, "-d", db["NAME"], str(member)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode:
        raise BackupError(f"pg_restore 失败：{proc.stderr.strip()[:500]}")


# --- files -----------------------------------------------------------------------------------------


def _media_manifest() -> tuple[list[dict[str, Any]], Path | None]:
    """Every stored file with size and SM3; the local root when the files are on this machine's disk."""
    from .storage import get_storage

    storage = get_storage()
    local = None if getattr(settings, "STORAGE_URL", "") else Path(settings.MEDIA_ROOT)
    entries: list[dict[str, Any]] = []

    def walk(prefix: str) -> None:
        dirs, files = storage.listdir(prefix) if prefix or storage.exists(prefix or ".") else ([], [])
        for name in sorted(files):
            rel = f"{prefix}{name}"
            with storage.open(rel, "rb") as fh:
                sm3 = crypto.sm3_file_hex(fh)
            entries.append({"name": rel, "size": storage.size(rel), "sm3": sm3})
        for d in sorted(dirs):
            walk(f"{prefix}{d}/")

    if local is None or local.is_dir():
        walk("")
    return entries, local


def _safe_name(name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts


# --- backup ----------------------------------------------------------------------------------------


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> str:
    with path.open("rb") as fh:
        sm3 = crypto.sm3_file_hex(fh)
    tar.add(str(path), arcname=name, recursive=False)
    return sm3


def checkpoint_dir() -> Path:
    """Where the audit trail exports its signed checkpoints (`teis.audit.checkpoints` writes there)."""
    return Path(settings.TEIS_AUDIT_CHECKPOINT_DIR)


def create_backup(passphrase: str, directory: Path | None = None) -> BackupResult:
    """Write one backup archive into `directory` (default TEIS_BACKUP_DIR) and return what it holds."""
    salt = os.urandom(16)
    enc_key, mac_key = _derive(passphrase, salt)
    directory = Path(directory or settings.TEIS_BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    final = directory / f"teis-backup-{stamp}.tar"
    partial = directory / f".{final.name}.partial"
    members: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="teis-backup-") as tmp:
        db_member = _dump_database(Path(tmp))
        media, local_root = _media_manifest()
        with tarfile.open(partial, "w") as tar:
            members[db_member] = _add_file(tar, db_member, Path(tmp) / db_member)
            if local_root is not None:
                for entry in media:
                    name = f"media/{entry['name']}"
                    members[name] = _add_file(tar, name, local_root / entry["name"])
            media_json = json.dumps(media, ensure_ascii=False, indent=0).encode()
            _add(tar, "media.json", media_json)
            members["media.json"] = crypto.sm3_hex(media_json)
            cps = sorted(checkpoint_dir().glob("checkpoint-*.json")) if checkpoint_dir().is_dir() else []
            for cp in cps:
                members[f"audit_checkpoints/{cp.name}"] = _add_file(tar, f"audit_checkpoints/{cp.name}", cp)
            keys = crypto.sm4_seal(enc_key, json.dumps(_key_material()).encode(), b"teis-backup-keys")
            _add(tar, "keys.enc", keys)
            members["keys.enc"] = crypto.sm3_hex(keys)
            manifest = {
                "format": FORMAT_VERSION,
                "created_at": timezone.now().isoformat(timespec="seconds"),
                "database": connection.vendor,
                "files_in_archive": local_root is not None,
                "salt": salt.hex(),
                "members": members,
            }
            manifest_bytes = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode()
            _add(tar, "manifest.json", manifest_bytes)
            _add(tar, "manifest.mac", crypto.hmac_sm3(mac_key, manifest_bytes).encode())
        partial.chmod(0o600)
        partial.rename(final)
    return BackupResult(
        path=final,
        database=connection.vendor,
        files=len(media),
        bytes=final.stat().st_size,
        checkpoints=len(cps),
        members=members,
    )


def prune_backups(directory: Path | None = None, keep: int | None = None) -> list[Path]:
    """Remove all but the newest `keep` backups (TEIS_BACKUP_KEEP); returns the removed paths."""
    directory = Path(directory or settings.TEIS_BACKUP_DIR)
    keep = settings.TEIS_BACKUP_KEEP if keep is None else keep
    backups = sorted(directory.glob("teis-backup-*.tar"))
    removed = backups[: max(len(backups) - max(keep, 1), 0)]
    for path in removed:
        path.unlink()
    return removed


# --- verify and restore ---------------------------------------------------------------------------


def _read(tar: tarfile.TarFile, name: str) -> bytes:
    try:
        fh = tar.extractfile(name)
    except KeyError:
        fh = None
    if fh is None:
        raise BackupError(f"备份文件缺少 {name}")
    return fh.read()


def _member_sm3(fh: SupportsRead[bytes]) -> str:
    return crypto.sm3_file_hex(fh)


def verify_backup(path: Path, passphrase: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the manifest's MAC and every member's SM3; return (manifest, decrypted key material)."""
    try:
        tar = tarfile.open(path, "r")  # noqa: SIM115 (closed by the `with` below)
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"无法读取备份文件：{exc}") from exc
    with tar:
        manifest_bytes = _read(tar, "manifest.json")
        manifest = json.loads(manifest_bytes)
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError("备份格式版本不受支持")
        enc_key, mac_key = _derive(passphrase, bytes.fromhex(manifest["salt"]))
        if not std_hmac.compare_digest(_read(tar, "manifest.mac").decode(), crypto.hmac_sm3(mac_key, manifest_bytes)):
            raise BackupError("备份清单校验失败：备份口令错误，或备份文件被修改")
        names = set(tar.getnames())
        for name, sm3 in manifest["members"].items():
            if not _safe_name(name) or name not in names:
                raise BackupError(f"备份文件缺少或含有非法成员：{name}")
            fh = tar.extractfile(name)
            if fh is None or _member_sm3(fh) != sm3:
                raise BackupError(f"备份成员 {name} 的 SM3 摘要不符：文件被修改或损坏")
        try:
            keys = json.loads(crypto.sm4_open(enc_key, _read(tar, "keys.enc"), b"teis-backup-keys"))
        except crypto.CryptoError as exc:
            raise BackupError("密钥材料解密失败：备份口令错误") from exc
    return manifest, keys


def restore_backup(path: Path, passphrase: str) -> dict[str, Any]:
    """Rebuild this installation from a verified backup: database, files, checkpoints, keys.

    Refuses unless the database is empty (no table has a row) and the media directory has no files.
    """
    manifest, keys = verify_backup(path, passphrase)
    if not _database_is_empty():
        raise BackupError("目标数据库不是空库：恢复只能写入新建的空数据库")
    media_root = Path(settings.MEDIA_ROOT)
    if manifest["files_in_archive"] and media_root.is_dir() and any(p.is_file() for p in media_root.rglob("*")):
        raise BackupError(f"目标文件目录 {media_root} 不为空：恢复只能写入空目录")
    with tempfile.TemporaryDirectory(prefix="teis-restore-") as tmp, tarfile.open(path, "r") as tar:
        db_member = next(n for n in manifest["members"] if n.startswith("database."))
        tar.extract(db_member, tmp, filter="data")
        _restore_database(Path(tmp) / db_member)
        files = 0
        cps = 0
        for name in manifest["members"]:
            if name.startswith("media/"):
                target = media_root / name[len("media/") :]
            elif name.startswith("audit_checkpoints/"):
                target = checkpoint_dir() / name[len("audit_checkpoints/") :]
            else:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            src = tar.extractfile(name)
            if src is None:
                raise BackupError(f"备份成员 {name} 无法读取")
            with src, target.open("wb") as out:
                shutil.copyfileobj(src, out)
            if name.startswith("media/"):
                files += 1
            else:
                target.chmod(0o444)
                cps += 1
    written = _write_key_files(keys)
    connections.close_all()
    return {
        "database": manifest["database"],
        "created_at": manifest["created_at"],
        "files": files,
        "checkpoints": cps,
        "key_files": written,
    }
