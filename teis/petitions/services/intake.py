"""登记: registering a petition from any channel, its deadlines (working days per channel, configurable), possible
duplicates, attachments, and reading petitions within scope.

Every write is one transaction with an explicit actor and an audit record; personal data of the complainant is
encrypted (SM4, `EncryptedCharField`) with blind indexes on phone and ID number, and never written in clear to the
audit trail. A refused registration leaves nothing behind (neither rows nor stored files).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import crypto
from teis.core.codes import next_value
from teis.core.files import sniff, upload_errors
from teis.core.masking import mask_generic, mask_id_number, mask_name, mask_phone
from teis.core.models import DictionaryItem
from teis.core.services import GenericService, ServiceError, model_field
from teis.core.storage import get_storage
from teis.core.validators import clean_id_number, clean_phone, clean_plate
from teis.core.workdays import add_workdays

from ..choices import Channel, PetitionKind, PetitionStatus
from ..models import CATEGORY_DICT, DeadlineRule, Petition, PetitionAttachment

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.db.models import Model, QuerySet

    from teis.org.models import Unit

logger = logging.getLogger(__name__)

DEFAULT_ACCEPT_DAYS = 15
DEFAULT_FINISH_DAYS = 60
DEFAULT_REMIND_DAYS = 3
DUPLICATE_WINDOW_DAYS = getattr(settings, "TEIS_PETITION_DUPLICATE_DAYS", 30)
MAX_ATTACHMENTS = 20
MAX_ATTACHMENT_MB = 50
PERSONAL_MASKS: dict[str, Callable[[str], str]] = {
    "complainant_name": mask_name,
    "complainant_phone": mask_phone,
    "complainant_id_number": mask_id_number,
    "complainant_address": lambda v: mask_generic(v, 6, 0),
}
DETAIL_RELATED = ("category", "unit", "intake_unit", "registered_by", "process", "process__definition")


# --- deadlines ------------------------------------------------------------------------------------------------


def deadline_days(channel: str) -> tuple[int, int, int]:
    """(受理, 办结, 提前提醒) working days for a channel: its `DeadlineRule`, else 15 / 60 / 3."""
    rule = DeadlineRule.objects.filter(channel=channel).first()
    if rule is None:
        return DEFAULT_ACCEPT_DAYS, DEFAULT_FINISH_DAYS, DEFAULT_REMIND_DAYS
    return rule.accept_days, rule.finish_days, rule.remind_days


def compute_deadlines(channel: str, registered_at: dt.datetime) -> tuple[dt.date, dt.date]:
    accept_days, finish_days, _ = deadline_days(channel)
    day = timezone.localtime(registered_at).date()
    return add_workdays(day, accept_days), add_workdays(day, finish_days)


def check_rule(data: dict[str, Any]) -> dict[str, Any]:
    """Deadlines must be a positive whole number of working days (提醒 may be 0: no reminder)."""
    fields: dict[str, list[str]] = {}
    labels = {"accept_days": "受理时限", "finish_days": "办结时限", "remind_days": "提前提醒"}
    for name, label in labels.items():
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                value = int(str(value).strip())
            except (TypeError, ValueError):
                fields[name] = [f"{label}须为整数个工作日"]
                continue
        minimum = 0 if name == "remind_days" else 1
        if value < minimum or value > 365:
            fields[name] = [f"{label}须为{'不小于 0' if minimum == 0 else '正整数'}个工作日（不超过 365）"]
        data[name] = value
    if not fields and "accept_days" in data and "finish_days" in data and data["accept_days"] > data["finish_days"]:
        fields["accept_days"] = ["受理时限不能长于办结时限"]
    if fields:
        raise ServiceError("invalid_deadline", "办理时限设置有误：" + "；".join(v[0] for v in fields.values()), fields)
    return data


class DeadlineRuleService(GenericService):
    """The generic audited writes of `DeadlineRule`, refusing non-positive deadlines first."""

    def do_create(self, actor: Any, model: type[Model], data: dict[str, Any]) -> Model:
        return super().do_create(actor, model, check_rule(dict(data)))

    def do_update(self, actor: Any, obj: Model, data: dict[str, Any]) -> Model:
        rule = cast(DeadlineRule, obj)  # this service writes deadline rules
        merged = {"accept_days": rule.accept_days, "finish_days": rule.finish_days, **data}
        check_rule(merged)
        return super().do_update(actor, obj, {k: merged[k] for k in data})


deadline_rule_service = DeadlineRuleService()


# --- reading --------------------------------------------------------------------------------------------------


def access_petition(user: Any, pk: Any) -> Petition:
    """The petition if it is in the user's scope, else 404 (ARCHITECTURE.md rule 4)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    petition = Petition.objects.for_user(user).select_related(*DETAIL_RELATED).filter(pk=pk).first()
    if petition is None:
        raise Http404
    return petition


def masked_personal(petition: Petition) -> dict[str, str]:
    return {
        name: mask(getattr(petition, name)) if getattr(petition, name) else "" for name, mask in PERSONAL_MASKS.items()
    }


def categories() -> QuerySet[DictionaryItem]:
    return DictionaryItem.objects.filter(dict_type__code=CATEGORY_DICT, is_active=True).order_by("order", "code")


# --- duplicates -----------------------------------------------------------------------------------------------


def _normalised(value: str, clean: Callable[[str], str]) -> str:
    """The stored form of a value being typed (a half-typed value is looked up as typed)."""
    try:
        return clean(value)
    except ValidationError:
        return (value or "").strip().upper()


def find_duplicates(
    user: Any,
    *,
    phone: str = "",
    id_number: str = "",
    plate: str = "",
    exclude_pk: int | None = None,
    now: dt.datetime | None = None,
    days: int | None = None,
) -> list[Petition]:
    """Possible duplicates within `days` (default 30): the same complainant (phone or ID number, by blind index)
    or the same plate. Searched across all petitions (a complainant's repeated calls reach different units), but
    only petitions in the user's scope are returned with their details."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=days or DUPLICATE_WINDOW_DAYS)
    q = Q()
    phone, id_number, plate = (
        _normalised(v, f) for v, f in ((phone, clean_phone), (id_number, clean_id_number), (plate, clean_plate))
    )
    if phone:
        q |= Q(complainant_phone_index=crypto.blind_index(phone))
    if id_number:
        q |= Q(complainant_id_number_index=crypto.blind_index(id_number))
    if plate:
        q |= Q(subject_plate=plate)
    if not q:
        return []
    qs = Petition.objects.for_user(user).filter(q, registered_at__gte=since).select_related("category", "unit")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.order_by("-registered_at")[:20])


# --- registration ---------------------------------------------------------------------------------------------

REQUIRED = {"channel": "来源渠道", "category": "反映类别", "title": "事项摘要", "content": "反映内容"}


def _officer_unit(actor: Any) -> Unit:
    from teis.org.scope import officer_with_unit

    officer = officer_with_unit(actor) if actor is not None and actor.is_authenticated else None
    if officer is None:
        raise ServiceError("no_officer", "当前账号没有执法人员档案，不能登记信访件")
    return officer.unit


def check_registration(data: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise registration data; raise one ServiceError listing every problem."""
    if not isinstance(data, dict):
        raise ServiceError("invalid_data", "登记数据格式无效")
    fields: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for name, label in REQUIRED.items():
        value = data.get(name)
        if value in (None, "") or (isinstance(value, str) and not value.strip()):
            fields[name] = [f"请填写{label}"]
    channel = data.get("channel")
    if channel and channel not in Channel.values:
        fields["channel"] = ["来源渠道无效，可选：" + "、".join(Channel.labels)]
    out["channel"] = channel
    kind = data.get("kind") or PetitionKind.COMPLAINT
    if kind not in PetitionKind.values:
        fields["kind"] = ["类型无效，可选：投诉、信访"]
    out["kind"] = kind
    category: Any = data.get("category")
    if category not in (None, ""):
        item = category if isinstance(category, DictionaryItem) else None
        if item is None:
            try:
                item = categories().filter(pk=int(category)).first()
            except (TypeError, ValueError):
                item = categories().filter(code=str(category)).first()
        if item is None or item.dict_type.code != CATEGORY_DICT or not item.is_active:
            fields["category"] = ["反映类别无效"]
        out["category"] = item
    for name, limit in (
        ("title", 200),
        ("content", 5000),
        ("external_ref", 60),
        ("subject_company", 200),
        ("subject_ship", 100),
        ("place", 200),
    ):
        value = data.get(name) or ""
        if not isinstance(value, str):
            fields[name] = ["应为文字"]
            continue
        value = value.strip()
        if len(value) > limit:
            fields[name] = [f"不能超过 {limit} 个字"]
        out[name] = value
    anonymous = data.get("is_anonymous") in (True, "true", "on", "1", 1)
    out["is_anonymous"] = anonymous
    personal = {
        "complainant_name": (str(data.get("complainant_name") or "")).strip(),
        "complainant_phone": (str(data.get("complainant_phone") or "")).strip(),
        "complainant_id_number": (str(data.get("complainant_id_number") or "")).strip().upper(),
        "complainant_address": (str(data.get("complainant_address") or "")).strip(),
    }
    if anonymous:
        personal = dict.fromkeys(personal, "")
    else:
        if not personal["complainant_name"]:
            fields["complainant_name"] = ["请填写反映人姓名，或勾选“匿名”"]
        if not (personal["complainant_phone"] or personal["complainant_address"]):
            fields["complainant_phone"] = ["实名反映须留联系电话或联系地址，以便答复和回访"]
    # the same validation and normal form as every other form (core.validators): "138 1234 5678" is stored
    # and blind-indexed as "13812345678", so duplicates are found whatever way it was typed
    for name, clean in (("complainant_phone", clean_phone), ("complainant_id_number", clean_id_number)):
        try:
            personal[name] = clean(personal[name])
        except ValidationError as exc:
            fields[name] = exc.messages[:1]
    if len(personal["complainant_name"]) > 50 or len(personal["complainant_address"]) > 200:
        fields["complainant_name"] = ["姓名或地址过长"]
    out.update(personal)
    try:
        out["subject_plate"] = clean_plate(data.get("subject_plate"))
    except ValidationError as exc:
        fields["subject_plate"] = exc.messages[:1]
        out["subject_plate"] = ""
    lon: Any = data.get("lon")
    lat: Any = data.get("lat")
    if lon in (None, "") and lat in (None, ""):
        out["lon"] = out["lat"] = None
    else:
        from teis.core.geo import valid_lon_lat

        try:
            lon, lat = float(lon), float(lat)
        except (TypeError, ValueError):
            fields["lon"] = ["经纬度须为数字，且须同时填写"]
        else:
            if not valid_lon_lat(lon, lat):
                fields["lon"] = ["经纬度超出范围"]
            out["lon"], out["lat"] = lon, lat
    occurred = data.get("occurred_at")
    if occurred in (None, ""):
        out["occurred_at"] = None
    elif isinstance(occurred, dt.datetime):
        out["occurred_at"] = occurred if timezone.is_aware(occurred) else timezone.make_aware(occurred)
    else:
        from django.utils.dateparse import parse_datetime

        parsed = parse_datetime(str(occurred))
        if parsed is None:
            fields["occurred_at"] = ["发生时间格式无效，例如 2025-06-01 08:30"]
        else:
            out["occurred_at"] = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
    if fields:
        first = "；".join(f"{v[0]}" for v in fields.values())
        raise ServiceError("invalid_petition", f"登记信息有误：{first}", fields)
    return out


def _check_files(files: Any) -> list[Any]:
    files = list(files or [])
    checked: list[Any] = files
    errors = upload_errors(files, "petition_attachment", max_files=MAX_ATTACHMENTS, max_mb=MAX_ATTACHMENT_MB)
    if errors:
        raise ServiceError("invalid_attachment", "附件有误：" + "；".join(errors), {"files": errors})
    return checked


def _store(actor: Any, petition: Petition, files: list[Any], saved: list[str]) -> list[PetitionAttachment]:
    storage = get_storage()
    rows = []
    for f in files:
        original = os.path.basename(f.name)[:200]
        ext = os.path.splitext(original)[1].lower()[:10]
        mime = sniff(f)
        digest = crypto.sm3_file_hex(f)
        f.seek(0)
        name = storage.save(f"petitions/{petition.pk}/{uuid.uuid4().hex}{ext}", f)
        saved.append(name)
        rows.append(
            PetitionAttachment(
                petition=petition,
                file_name=name,
                original_name=original,
                content_type=mime or "application/octet-stream",
                size=f.size,
                sm3=digest,
                uploaded_by=actor,
            )
        )
    return PetitionAttachment.objects.bulk_create(rows)


def _discard(saved: list[str]) -> None:
    storage = get_storage()
    for name in saved:
        try:
            storage.delete(name)
        except Exception:  # best effort: the row was never written
            logger.warning("could not remove uploaded file %s after a failed registration", name)


def audit_view(petition: Petition) -> dict[str, Any]:
    """A petition's fields for the audit trail, personal data masked."""
    snap = audit.snapshot(petition)
    masked = masked_personal(petition)
    for name in PERSONAL_MASKS:
        label = str(model_field(Petition, name).verbose_name)
        if label in snap:
            snap[label] = masked[name]
    return {k: v for k, v in snap.items() if v not in (None, "") and not k.endswith("_index")}


def do_register(actor: Any, data: dict[str, Any], files: Any = (), *, now: dt.datetime | None = None) -> Petition:
    """登记: create the petition with its deadlines (per channel, working days), store its attachments (SM3 kept)
    and start its handling process (`steps.process_key_for`). One transaction; audited (personal data masked);
    nothing kept when anything fails."""
    from teis.workflow.services import start_process

    from ..steps import process_key_for

    if actor is None or not actor.has_perm("petitions.add_petition"):
        raise ServiceError("forbidden", "没有登记信访件的权限")
    values = check_registration(data)
    files = _check_files(files)
    unit = _officer_unit(actor)
    now = now or timezone.now()
    accept_due, finish_due = compute_deadlines(values["channel"], now)
    saved: list[str] = []
    try:
        with transaction.atomic():
            year = timezone.localtime(now).year
            code = f"XF{year}{next_value(f'petition:{year}'):06d}"
            petition = Petition(
                **values,
                code=code,
                registered_at=now,
                registered_by=actor,
                created_by=actor,
                intake_unit=unit,
                unit=unit,
                accept_due=accept_due,
                finish_due=finish_due,
                status=PetitionStatus.REGISTERED,
            )
            petition.save()
            stored = _store(actor, petition, files, saved)
            changes = {k: [None, v] for k, v in audit_view(petition).items()}
            if stored:
                changes["附件"] = [None, "、".join(f"{a.original_name}（SM3 {a.sm3[:16]}…）" for a in stored)]
            audit.record(
                actor, AuditAction.CREATE, petition, changes=changes, detail={"operation": "petition.register"}
            )
            key = process_key_for(petition)
            instance = start_process(
                actor, key, subject=petition, unit=unit, data={"petition_id": petition.pk}, subject_label=str(petition)
            )
            Petition.objects.filter(pk=petition.pk).update(process=instance)
    except BaseException:
        _discard(saved)
        raise
    return Petition.objects.select_related(*DETAIL_RELATED).get(pk=petition.pk)


def do_add_attachments(actor: Any, petition: Petition, files: Any) -> list[PetitionAttachment]:
    """Add files to a petition (补充材料). One transaction; audited."""
    files = _check_files(files)
    if not files:
        raise ServiceError("invalid_attachment", "请选择要上传的文件", {"files": ["请选择文件"]})
    saved: list[str] = []
    try:
        with transaction.atomic():
            stored = _store(actor, petition, files, saved)
            audit.record(
                actor,
                AuditAction.UPDATE,
                petition,
                changes={"附件": [None, "、".join(a.original_name for a in stored)]},
                detail={"operation": "petition.attach"},
            )
    except BaseException:
        _discard(saved)
        raise
    return stored


def category_rows() -> tuple[str, str, list[tuple[str, str, str]]]:
    """(name, description, rows) of the 反映类别 dictionary as the org seed defines it (`teis.org.demo.DICTIONARIES`,
    the one source of the categories)."""
    from teis.org.demo import DICTIONARIES

    for code, name, description, rows in DICTIONARIES:
        if code == CATEGORY_DICT:
            return name, description, list(rows)
    raise LookupError(CATEGORY_DICT)


def ensure_categories() -> int:
    """The 反映类别 dictionary (`petition_category`) with the items of the org seed; idempotent. Administrators may
    add items on the dictionary pages; code `water` selects the water-enforcement flow."""
    from teis.core.models import DictionaryType

    name, description, rows = category_rows()
    dict_type, _ = DictionaryType.objects.get_or_create(
        code=CATEGORY_DICT, defaults={"name": name, "description": description, "is_system": True}
    )
    existing = {i.code: i for i in DictionaryItem.objects.filter(dict_type=dict_type)}
    created = 0
    for order, (code, label, parent_code) in enumerate(rows, start=1):
        if code in existing:
            continue
        existing[code] = DictionaryItem.objects.create(
            dict_type=dict_type,
            code=code,
            label=label,
            parent=existing.get(parent_code) if parent_code else None,
            order=order * 10,
        )
        created += 1
    return created
