"""Signed checkpoints of the audit chain, exported outside the database.

A checkpoint states "the chain had `count` records up to record `last_id`, whose hash was `last_hash`, at
`at`", signed with HMAC-SM3 under a key derived from TEIS_AUDIT_KEY. It is written as a read-only JSON
file to TEIS_AUDIT_CHECKPOINT_DIR (a directory of the file store the database administrator cannot
write; production may mount it from another host). `verify_chain` compares the database with every
checkpoint, so whoever rewrites the database, even knowing how the chain is hashed, is found as soon as
the rewrite touches a record up to the latest checkpoint:
- truncating the tail and moving the head back: the checkpoint's record is gone or the head is behind it;
- editing a record and recomputing every later hash: the checkpoint's hash no longer matches;
- deleting a record in the middle and re-linking: the count up to the checkpoint no longer matches.
Records appended after the latest checkpoint are protected by the keyed chain only; the periodic job
(`tasks.write_audit_checkpoint`, every TEIS_AUDIT_CHECKPOINT_MINUTES) bounds that window.
"""

from __future__ import annotations

import hmac as std_hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from teis.core import crypto
from teis.core.backup import checkpoint_dir

if TYPE_CHECKING:
    from .services import ChainCheck

from .models import AuditArchive, AuditChainHead, AuditRecord

_SIGNING_LABEL = b"TEIS audit checkpoint v1"
_FIELDS = ("version", "last_id", "last_hash", "count", "at")


@dataclass
class Checkpoint:
    last_id: int
    last_hash: str
    count: int
    at: str
    signature: str
    path: Path | None = None

    def payload(self) -> dict:
        return {"version": 1, "last_id": self.last_id, "last_hash": self.last_hash, "count": self.count, "at": self.at}


def _sign(payload: dict) -> str:
    from .services import chain_key

    key = bytes.fromhex(crypto.hmac_sm3(chain_key(), _SIGNING_LABEL))
    canonical = json.dumps({k: payload[k] for k in _FIELDS}, sort_keys=True, ensure_ascii=False).encode()
    return crypto.hmac_sm3(key, canonical)


def chain_count(upto_id: int) -> int:
    """Records ever appended to the chain up to `upto_id`: archived ones plus those still in the database."""
    archived = AuditArchive.objects.filter(last_id__lte=upto_id).aggregate(n=Sum("count"))["n"] or 0
    first_kept = AuditArchive.objects.order_by("-last_id").values_list("last_id", flat=True).first() or 0
    return archived + AuditRecord.objects.filter(id__gt=first_kept, id__lte=upto_id).count()


def write_checkpoint() -> Checkpoint | None:
    """Export a signed checkpoint of the current chain head; None when the chain is empty or unchanged.

    The chain since the previous checkpoint is verified first, so a checkpoint never blesses a chain that
    was already altered (the job then fails and the operations page shows it).
    """
    from .services import verify_chain

    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None or not head.last_id:
            return None
        latest = latest_checkpoint()
        if latest is not None and latest.last_id == head.last_id:
            return None
        check = verify_chain()
        if not check.ok:
            raise RuntimeError(f"审计记录哈希链校验失败（记录 {check.broken_id}）：{check.reason}，未写检查点")
        cp = Checkpoint(
            last_id=head.last_id,
            last_hash=head.last_hash,
            count=chain_count(head.last_id),
            at=timezone.now().isoformat(timespec="seconds"),
            signature="",
        )
    cp.signature = _sign(cp.payload())
    cp.path = _export(cp)
    return cp


def _export(cp: Checkpoint) -> Path:
    directory = checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"checkpoint-{cp.last_id:015d}.json"
    data = json.dumps({**cp.payload(), "signature": cp.signature}, ensure_ascii=False, indent=1).encode()
    # O_EXCL: a checkpoint file is written once and never replaced; read-only afterwards.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return path


def load_checkpoints() -> tuple[list[Checkpoint], list[str]]:
    """Every checkpoint file in id order, and a message for each file whose signature or form is bad."""
    directory = checkpoint_dir()
    good: list[Checkpoint] = []
    bad: list[str] = []
    if not directory.is_dir():
        return good, bad
    for path in sorted(directory.glob("checkpoint-*.json")):
        try:
            data = json.loads(path.read_text())
            cp = Checkpoint(
                last_id=int(data["last_id"]),
                last_hash=str(data["last_hash"]),
                count=int(data["count"]),
                at=str(data["at"]),
                signature=str(data["signature"]),
                path=path,
            )
        except (OSError, ValueError, KeyError, TypeError):
            bad.append(f"检查点文件 {path.name} 无法读取")
            continue
        if not std_hmac.compare_digest(_sign(cp.payload()), cp.signature):
            bad.append(f"检查点文件 {path.name} 签名无效（被修改或伪造）")
            continue
        good.append(cp)
    good.sort(key=lambda c: c.last_id)
    return good, bad


def latest_checkpoint() -> Checkpoint | None:
    good, _ = load_checkpoints()
    return good[-1] if good else None


def verify_against_checkpoints(checked: int, head_id: int) -> ChainCheck:
    """Compare the (already re-hashed) chain in the database with every exported checkpoint."""
    from .services import ChainCheck

    good, bad = load_checkpoints()
    if bad:
        return ChainCheck(False, checked, None, "；".join(bad))
    archived_upto = AuditArchive.objects.order_by("-last_id").values_list("last_id", flat=True).first() or 0
    for cp in good:
        if cp.last_id > head_id:
            return ChainCheck(
                False,
                checked,
                cp.last_id,
                f"末尾记录缺失：签名检查点（{cp.at}）记录到第 {cp.last_id} 条，数据库链头只到第 {head_id} 条",
            )
        if cp.last_id <= archived_upto:
            continue  # within archived files: `audit_verify --archives` checks those
        rec_hash = AuditRecord.objects.filter(pk=cp.last_id).values_list("hash", flat=True).first()
        if rec_hash is None:
            return ChainCheck(False, checked, cp.last_id, f"检查点（{cp.at}）所指记录 {cp.last_id} 已不在数据库中")
        if rec_hash != cp.last_hash:
            return ChainCheck(
                False, checked, cp.last_id, f"与签名检查点（{cp.at}）不符：记录 {cp.last_id} 的摘要被改写（链被重算）"
            )
        count = chain_count(cp.last_id)
        if count != cp.count:
            return ChainCheck(
                False,
                checked,
                cp.last_id,
                f"与签名检查点（{cp.at}）不符：截至记录 {cp.last_id} 应有 {cp.count} 条，"
                f"现有 {count} 条（记录被删除或插入）",
            )
    return ChainCheck(True, checked, checkpoints=len(good))
