"""Case intake: 案件预录 / 预登记 (spec §2.7.1.3), 立案 with 赋码 (spec §2.7.1.2), and updates of case data.

Every `do_*` here is one transaction with an explicit actor and an audit record; bad input raises
`ServiceError("invalid", 中文消息, fields)` before anything is written (field keys like `parties.0.id_number`),
and files already put in storage by a refused or failed request are removed again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.files import check_upload
from teis.core.masking import mask_name
from teis.core.services import ServiceError
from teis.core.validators import (
    normalise_credit_code,
    normalise_id_number,
    normalise_landline,
    normalise_mobile_phone,
    normalise_plate,
    validate_credit_code,
    validate_id_number,
    validate_landline,
    validate_mobile_phone,
    validate_plate,
)

from .. import ports
from ..choices import CaseSource, CaseStatus, PartyKind, Procedure
from ..codes import generate_case_code
from ..models import CaseVehicle, EnforcementCase, Party

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from django.contrib.auth.models import User

    from teis.core.models import DictionaryItem
    from teis.legal.models import CaseCause, ViolationCode
    from teis.org.models import Unit

logger = logging.getLogger(__name__)

# Business line (dictionary code) → suffix of its own general-procedure diagram.
LINE_PROCESS_SUFFIX = {"road_admin": "road", "waterway": "water", "port": "water", "maritime": "maritime"}
PROCEDURE_PROCESS_KEY: dict[str, str] = {
    Procedure.GENERAL: "case_general",
    Procedure.SIMPLIFIED: "case_simplified",
    Procedure.COERCIVE: "case_coercive",
    Procedure.INSPECTION: "case_inspection",
}
ALLOWED_MEDIA = ("image/", "video/")
MAX_ATTACHMENTS = 30
FILING_DAYS = 90  # 行政处罚法 第六十条: 自立案之日起九十日内作出决定 (natural days)
UPDATABLE_FIELDS = (
    "title",
    "source",
    "business_line",
    "place",
    "lon",
    "lat",
    "discovered_at",
    "facts",
    "investigation",
    "case_cause",
    "violation_codes",
    "co_handler",
    "is_major",
    "axles",
    "gross_weight_kg",
    "weight_limit_kg",
)


# --- process key ---------------------------------------------------------------------------------------------


def case_process_key(case: EnforcementCase) -> str:
    """The process definition a new case runs on: by procedure, and for the general procedure of 路政 / 水上 /
    海事 cases their own diagram when one is loaded (variants are configuration, spec §2.2.4, §2.6.1.2)."""
    from teis.workflow.models import ProcessDefinition

    key = PROCEDURE_PROCESS_KEY.get(case.procedure, "case_general")
    if case.procedure == Procedure.GENERAL and case.business_line is not None:
        suffix = LINE_PROCESS_SUFFIX.get(case.business_line.code)
        if suffix and ProcessDefinition.objects.filter(key=f"{key}_{suffix}", is_current=True).exists():
            return f"{key}_{suffix}"
    return key


def process_start_data(case: EnforcementCase, actor: User) -> dict[str, Any]:
    """Task data for the case's process: what the case diagrams read (`steps.start_data`) plus who handles it."""
    try:
        from ..steps import start_data
    except ImportError:
        data: dict[str, Any] = {"case_id": case.pk, "is_major": bool(case.is_major)}
    else:
        data = start_data(case)
    data.update(
        procedure=str(case.procedure),
        business_line=case.business_line.code if case.business_line is not None else "",
        handler_id=actor.pk,
    )
    return data


# --- checks ------------------------------------------------------------------------------------------------


class Errors(dict[str, list[str]]):
    def add(self, key: str, message: str) -> None:
        self.setdefault(key, []).append(message)

    def raise_if_any(self, what: str) -> None:
        if self:
            first = next(iter(self.values()))[0]
            raise ServiceError("invalid", f"{what}有误：{first}", dict(self))


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _limited(errors: Errors, key: str, value: Any, limit: int) -> str:
    """Text of at most `limit` characters: longer text and non-text values are refused, never cut (issue 16)."""
    if isinstance(value, (list, dict)):
        errors.add(key, "应填写文本")
        return ""
    text = _text(value)
    if len(text) > limit:
        errors.add(key, f"不能超过 {limit} 个字符（当前 {len(text)} 个）")
    return text


def _validated(
    errors: Errors, key: str, value: str, normalise: Callable[[str], str], validate: Callable[[str], object]
) -> str:
    normalised = normalise(value)
    try:
        validate(normalised)
    except ValidationError as exc:
        errors.add(key, exc.messages[0])
    return normalised


def _phone(errors: Errors, key: str, value: str) -> str:
    mobile = normalise_mobile_phone(value)
    try:
        validate_mobile_phone(mobile)
        return mobile
    except ValidationError:
        pass
    landline = normalise_landline(value)
    try:
        validate_landline(landline)
        return landline
    except ValidationError:
        errors.add(key, "联系电话应为手机号码或“区号-号码”格式的固定电话")
    return value


def check_party(raw: dict[str, Any], errors: Errors, prefix: str) -> dict[str, Any]:
    """Normalised party values; problems go to `errors` under `<prefix>.<field>`."""
    if not isinstance(raw, dict):
        errors.add(prefix, "当事人信息格式错误")
        return {}
    kind = _text(raw.get("kind")) or PartyKind.PERSON
    out: dict[str, Any] = {"kind": kind, "name": _limited(errors, f"{prefix}.name", raw.get("name"), 200)}
    if kind not in PartyKind.values:
        errors.add(f"{prefix}.kind", "当事人类型应为自然人或法人或其他组织")
    if not out["name"]:
        errors.add(f"{prefix}.name", "请填写当事人姓名或名称")
    id_number, phone, address = _text(raw.get("id_number")), _text(raw.get("phone")), _text(raw.get("address"))
    credit_code = _text(raw.get("credit_code"))
    out["id_number"] = (
        _validated(errors, f"{prefix}.id_number", id_number, normalise_id_number, validate_id_number)
        if id_number
        else ""
    )
    out["phone"] = _phone(errors, f"{prefix}.phone", phone) if phone else ""
    out["address"] = _limited(errors, f"{prefix}.address", raw.get("address"), 200) if address else ""
    out["credit_code"] = (
        _validated(errors, f"{prefix}.credit_code", credit_code, normalise_credit_code, validate_credit_code)
        if credit_code
        else ""
    )
    out["legal_representative"] = _limited(
        errors, f"{prefix}.legal_representative", raw.get("legal_representative"), 50
    )
    if kind == PartyKind.ORGANISATION and not out["credit_code"] and f"{prefix}.credit_code" not in errors:
        errors.add(f"{prefix}.credit_code", "法人或其他组织须填写统一社会信用代码")
    return out


def check_vehicle(raw: dict[str, Any], errors: Errors, prefix: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        errors.add(prefix, "车辆信息格式错误")
        return {}
    plate = _text(raw.get("plate"))
    out = {
        "plate": _validated(errors, f"{prefix}.plate", plate, normalise_plate, validate_plate) if plate else "",
        "vehicle_type": _limited(errors, f"{prefix}.vehicle_type", raw.get("vehicle_type"), 30),
        "operating_licence": _limited(errors, f"{prefix}.operating_licence", raw.get("operating_licence"), 40),
        "driver_name": _limited(errors, f"{prefix}.driver_name", raw.get("driver_name"), 50),
        "driver_licence": _limited(errors, f"{prefix}.driver_licence", raw.get("driver_licence"), 40),
    }
    if not plate:
        errors.add(f"{prefix}.plate", "请填写车牌号")
    return out


def _business_line(value: Any, errors: Errors) -> DictionaryItem | None:
    from teis.core.models import DictionaryItem

    if value in (None, ""):
        return None
    if isinstance(value, DictionaryItem):
        item = value if value.dict_type.code == "business_line" else None
    else:
        qs = DictionaryItem.objects.filter(dict_type__code="business_line", is_active=True)
        text = str(value)
        item = qs.filter(pk=int(text)).first() if text.isdigit() else qs.filter(code=text).first()
    if item is None:
        errors.add("business_line", "业务条线不存在或已停用")
    return item


def _violation_codes(values: Iterable[Any] | None, errors: Errors) -> list[ViolationCode]:
    from teis.legal.models import ViolationCode
    from teis.legal.services.warnings import check_code_usable

    out = []
    for i, value in enumerate(values or []):
        key = "violation_codes"
        code: ViolationCode | None
        if isinstance(value, ViolationCode):
            code = value
        else:
            text = _text(value)
            code = (
                ViolationCode.objects.filter(pk=int(text)).first()
                if text.isdigit() and len(text) < 10
                else ViolationCode.objects.filter(code=text, is_current=True).first()
            )
            if code is None and text.isdigit():
                code = ViolationCode.objects.filter(code=text, is_current=True).first()
        if code is None:
            errors.add(key, f"第 {i + 1} 个违章代码不存在")
            continue
        if not code.is_current:
            errors.add(key, f"违章代码 {code.code} 第 {code.version} 版已不是现行版本")
            continue
        try:
            check_code_usable(code)
        except ServiceError as err:
            errors.add(key, err.message)
            continue
        if code not in out:
            out.append(code)
    return out


def _case_cause(value: Any, errors: Errors) -> CaseCause | None:
    from teis.legal.models import CaseCause

    if value in (None, ""):
        return None
    cause = value if isinstance(value, CaseCause) else None
    if cause is None:
        text = _text(value)
        cause = CaseCause.objects.filter(cause_code=text).first() if len(text) == 20 else None
        if cause is None and text.isdigit():
            cause = CaseCause.objects.filter(pk=int(text)).first()
    if cause is None:
        errors.add("case_cause", "案由不存在")
    elif cause.is_deleted or cause.status != "active":
        errors.add("case_cause", f"案由“{cause.name}”已删除或未启用")
    return cause


def _user_in_scope(actor: User, value: Any, errors: Errors, key: str, label: str) -> User | None:
    from django.contrib.auth import get_user_model

    from teis.org.models import Officer

    if value in (None, ""):
        return None
    user_model = get_user_model()
    user: User | None
    if isinstance(value, user_model):
        user = value
    else:
        text = _text(value)
        user = user_model.objects.filter(pk=int(text)).first() if text.isdigit() else None
    officer = Officer.objects.for_user(actor).filter(user=user).first() if user is not None else None
    if officer is None or user is None or not user.is_active:
        errors.add(key, f"{label}不存在或不在您的数据权限范围内")
        return None
    return user


def _decimal_ratio(gross: int | None, limit: int | None) -> Decimal | None:
    if not gross or not limit:
        return None
    ratio = (Decimal(gross) - Decimal(limit)) * 100 / Decimal(limit)
    return max(ratio, Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _positive_int(value: Any, errors: Errors, key: str, label: str, maximum: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        errors.add(key, f"{label}应为整数")
        return None
    if not 0 < n <= maximum:
        errors.add(key, f"{label}应在 1 到 {maximum} 之间")
        return None
    return n


def check_case_fields(actor: User, data: dict[str, Any], errors: Errors, *, partial: bool = False) -> dict[str, Any]:
    """Normalise and check the case's own fields. With `partial`, only the keys present are checked."""
    out: dict[str, Any] = {}

    def given(name: str) -> bool:
        return not partial or name in data

    if given("title"):
        out["title"] = _text(data.get("title"))
        if not out["title"]:
            errors.add("title", "请填写案件名称")
        elif len(out["title"]) > 200:
            errors.add("title", "案件名称不能超过 200 字")
    if given("source"):
        out["source"] = _text(data.get("source")) or CaseSource.ON_SITE
        if out["source"] not in CaseSource.values:
            errors.add("source", "案件来源无效")
    if not partial:
        out["procedure"] = _text(data.get("procedure")) or Procedure.GENERAL
        if out["procedure"] not in Procedure.values:
            errors.add("procedure", "程序类型无效")
    if given("business_line"):
        out["business_line"] = _business_line(data.get("business_line"), errors)
    for name, label, limit in (("place", "发现地点", 200),):
        if given(name):
            out[name] = _text(data.get(name))
            if len(out[name]) > limit:
                errors.add(name, f"{label}不能超过 {limit} 字")
    for name in ("facts", "investigation"):
        if given(name):
            out[name] = _text(data.get(name))
    if given("lon") or given("lat"):
        lon: Any = data.get("lon")
        lat: Any = data.get("lat")
        if lon in (None, "") and lat in (None, ""):
            out["lon"] = out["lat"] = None
        else:
            try:
                out["lon"], out["lat"] = float(lon), float(lat)
                if not (-180 <= out["lon"] <= 180 and -90 <= out["lat"] <= 90):
                    raise ValueError
            except (TypeError, ValueError):
                errors.add("lon", "经纬度应同时填写，经度在 -180～180、纬度在 -90～90 之间")
    if given("discovered_at"):
        value = data.get("discovered_at")
        if value in (None, ""):
            value = timezone.now()
        if isinstance(value, str):
            from django.utils.dateparse import parse_datetime

            try:
                parsed = parse_datetime(value)
            except ValueError:
                parsed = None
            if parsed is None:
                errors.add("discovered_at", "发现时间格式应为 YYYY-MM-DD HH:MM")
            value = parsed
        if isinstance(value, dt.datetime):
            if timezone.is_naive(value):
                value = timezone.make_aware(value)
            if value > timezone.now() + dt.timedelta(minutes=10):
                errors.add("discovered_at", "发现时间不能晚于当前时间")
            out["discovered_at"] = value
        elif value is not None:
            errors.add("discovered_at", "发现时间格式应为 YYYY-MM-DD HH:MM")
    if given("case_cause"):
        out["case_cause"] = _case_cause(data.get("case_cause"), errors)
    if given("violation_codes"):
        codes = data.get("violation_codes") or []
        if isinstance(codes, (str, int)):
            codes = [codes]
        out["violation_codes"] = _violation_codes(codes, errors)
    if given("co_handler"):
        out["co_handler"] = _user_in_scope(actor, data.get("co_handler"), errors, "co_handler", "协办人")
        if out["co_handler"] is not None and out["co_handler"].pk == actor.pk:
            errors.add("co_handler", "协办人不能是主办人本人")
    if given("is_major"):
        out["is_major"] = bool(data.get("is_major"))
    if given("axles"):
        out["axles"] = _positive_int(data.get("axles"), errors, "axles", "轴数", 20)
    for name, label in (("gross_weight_kg", "车货总重"), ("weight_limit_kg", "限重")):
        if given(name):
            out[name] = _positive_int(data.get(name), errors, name, label, 1_000_000)
    return out


# The same limit as the page's formsets (forms.PartyFormSet / VehicleFormSet, max_num=20): the API takes no more.
MAX_LIST_ITEMS = 20


def _check_list(
    data: dict[str, Any], name: str, check: Callable[[Any, Errors, str], dict[str, Any]], errors: Errors, label: str
) -> list[dict[str, Any]]:
    raw = data.get(name) or []
    if not isinstance(raw, (list, tuple)):
        errors.add(name, f"{label}应为列表")
        return []
    if len(raw) > MAX_LIST_ITEMS:
        errors.add(name, f"{label}最多 {MAX_LIST_ITEMS} 个（提交了 {len(raw)} 个）")
        return []
    return [check(item, errors, f"{name}.{i}") for i, item in enumerate(raw)]


def _check_attachments(attachments: Iterable[Any] | None, errors: Errors) -> list[Any]:
    files = list(attachments or [])
    max_bytes = getattr(settings, "TEIS_CASE_ATTACHMENT_MAX_MB", 500) * 1024 * 1024
    if len(files) > MAX_ATTACHMENTS:
        errors.add("files", f"一次最多上传 {MAX_ATTACHMENTS} 个文件")
    for f in files:
        name = os.path.basename(getattr(f, "name", "") or "")
        content_type = (getattr(f, "content_type", "") or "").lower()
        if not name:
            errors.add("files", "文件缺少文件名")
        elif not content_type.startswith(ALLOWED_MEDIA):
            errors.add("files", f"文件“{name}”不是照片或视频，只能上传照片或视频")
        elif not getattr(f, "size", 0):
            errors.add("files", f"文件“{name}”是空文件")
        elif f.size > max_bytes:
            errors.add("files", f"文件“{name}”超过 {max_bytes // (1024 * 1024)} MB")
        else:
            try:  # the declared type is the client's word: the content must agree
                check_upload(f, "case_media")
            except ServiceError as err:
                errors.add("files", err.message)
    return files


def _officer_unit(actor: User) -> Unit:
    from teis.org.scope import officer_with_unit

    officer = officer_with_unit(actor) if actor is not None and actor.is_authenticated else None
    if officer is None:
        raise ServiceError("no_officer", "当前账号没有执法人员档案，不能登记案件")
    unit: Unit = officer.unit
    return unit


def _store_attachments(
    actor: User, case: EnforcementCase, files: list[Any], saved: list[str], source: str
) -> list[Any]:
    """Every photo / video of a pre-registration becomes an evidence item (执法证据中心: SM3, write-once
    storage, retention, chain of custody) linked to the case. Names of newly stored originals go to `saved`
    so that a later failure of the pre-registration removes them again."""
    items = []
    for f in files:
        original = os.path.basename(f.name)[:200]
        try:
            item = ports.store_attachment(
                actor,
                f,
                filename=original,
                content_type=f.content_type or "",
                case=case,
                source=source,
                link_description="案件预登记附件",
                stored_names=saved,
            )
        except ServiceError as err:
            message = f"文件“{original}”：{err.message}"
            raise ServiceError("invalid", message, {"files": [message]}) from err
        items.append(item)
    return items


def _discard(saved: list[str]) -> None:
    try:
        ports.discard_stored(saved)
    except Exception:  # best effort: the rows were never written
        logger.warning("could not remove uploaded files %s after a failed pre-registration", saved)


def do_pre_register(
    actor: User,
    data: dict[str, Any],
    attachments: Iterable[Any] = (),
    *,
    process_key: str | None = None,
    evidence_source: str = "upload",
) -> EnforcementCase:
    """案件预录: create a case in PRE_REGISTERED with its parties, vehicles, violation codes and photo/video files
    (ingested into the evidence centre with their SM3 and linked to the case; `evidence_source` is the
    evidence source: "upload" for the web page, "phone" for the mobile app, "checkpoint_camera", "system"),
    and start its workflow (`case_process_key`, or `process_key`). One transaction; audited; nothing is kept
    (neither rows nor files) when anything fails."""
    if not actor.has_perm("cases.add_enforcementcase"):
        raise ServiceError("forbidden", "没有登记案件的权限")
    if not isinstance(data, dict):
        raise ServiceError("invalid", "预登记信息格式错误")
    unit = _officer_unit(actor)
    errors = Errors()
    values = check_case_fields(actor, data, errors)
    parties = _check_list(data, "parties", check_party, errors, "当事人")
    vehicles = _check_list(data, "vehicles", check_vehicle, errors, "涉案车辆")
    files = _check_attachments(attachments, errors)
    if data.get("unit") not in (None, ""):
        from teis.org.models import Unit

        wanted = data["unit"]
        unit_pk = wanted.pk if isinstance(wanted, Unit) else _text(wanted)
        chosen = Unit.objects.for_user(actor).filter(pk=unit_pk).first() if str(unit_pk).isdigit() else None
        if chosen is None:
            errors.add("unit", "承办单位不存在或不在您的数据权限范围内")
        else:
            unit = chosen
    errors.raise_if_any("预登记信息")
    codes = values.pop("violation_codes", [])
    if values.get("gross_weight_kg") and not values.get("weight_limit_kg"):
        from .overload import statutory_limit_kg

        values["weight_limit_kg"] = statutory_limit_kg(values.get("axles"))  # GB 1589-2016
    values["overload_ratio"] = _decimal_ratio(values.get("gross_weight_kg"), values.get("weight_limit_kg"))
    saved: list[str] = []
    try:
        with transaction.atomic():
            case = EnforcementCase(
                **values, unit=unit, handler=actor, created_by=actor, status=CaseStatus.PRE_REGISTERED
            )
            case.save()
            case.violation_codes.set(codes)
            for p in parties:  # one by one: the blind indexes are filled in pre_save
                Party(case=case, **p).save()
            CaseVehicle.objects.bulk_create([CaseVehicle(case=case, **v) for v in vehicles])
            stored = _store_attachments(actor, case, files, saved, evidence_source)
            audit.record(
                actor,
                AuditAction.CREATE,
                case,
                changes={
                    **{k: [None, v] for k, v in audit.snapshot(case).items() if v not in (None, "")},
                    "违章代码": [None, "、".join(c.code for c in codes)],
                    "当事人": [None, "、".join(mask_name(p["name"]) for p in parties)],
                    "涉案车辆": [None, "、".join(v["plate"] for v in vehicles)],
                    "附件": [None, "、".join(f"{a.original_name}（SM3 {a.sm3[:16]}…）" for a in stored)],
                },
                detail={"operation": "case.pre_register"},
            )
            key = process_key or case_process_key(case)
            from teis.workflow.services import start_process

            instance = start_process(
                actor,
                key,
                subject=case,
                unit=case.unit,
                data=process_start_data(case, actor),
                subject_label=case.title,
            )
            EnforcementCase.objects.filter(pk=case.pk).update(process=instance, process_key=key)
    except BaseException:
        _discard(saved)
        raise
    return EnforcementCase.objects.select_related("unit", "process").get(pk=case.pk)


def check_can_handle(actor: User, case: EnforcementCase) -> None:
    """The handler, the co-handler, or a user allowed to change cases within scope."""
    if actor.pk in (case.handler_id, case.co_handler_id):
        return
    if (
        actor.has_perm("cases.change_enforcementcase")
        and EnforcementCase.objects.for_user(actor).filter(pk=case.pk).exists()
    ):
        return
    raise ServiceError("not_handler", "只有案件的主办人、协办人或有权修改案件的人员可以办理")


def check_filing(case: EnforcementCase) -> None:
    """立案 requires a live catalogue cause and usable violation codes (issue 4: "A case without a catalogue
    cause cannot pass 立案审批")."""
    from teis.legal.services.warnings import check_code_usable

    cause = case.case_cause
    if cause is None or cause.is_deleted or cause.status != "active":
        raise ServiceError(
            "no_case_cause", "案件未选择执法案由目录中的案由，不能立案", {"case_cause": ["请选择有效的执法案由"]}
        )
    for code in case.violation_codes.all():
        try:
            check_code_usable(code)
        except ServiceError as err:
            raise ServiceError(err.code, f"{err.message}不能立案。", {"violation_codes": [err.message]}) from err


def do_file_case(actor: User, case: EnforcementCase, *, by_workflow: bool = False) -> EnforcementCase:
    """立案: check the cause and codes, give the unified case code (赋码), set the filing time and the 90-day
    limit (行政处罚法 art. 60, natural days, moved past a holiday), status INVESTIGATING. One transaction;
    audited. `by_workflow=True` when called from an approval step (the engine has checked the actor)."""
    from teis.workflow.services import deadline_after

    with transaction.atomic():
        locked = (
            EnforcementCase.objects.select_for_update(of=("self",))
            .select_related("unit", "case_cause")
            .filter(pk=case.pk)
            .first()
        )
        if locked is None:
            raise ServiceError("not_found", "案件不存在")
        case = locked
        if not by_workflow:
            check_can_handle(actor, case)
            if case.process_id is not None:
                # 立案 is the squad leader's 立案审批: the code is given when it is approved, never before
                raise ServiceError(
                    "needs_filing_approval",
                    "立案须经立案审批：请在“案件预登记”环节报请立案审批，审批同意后自动立案赋码",
                )
        if case.status not in (CaseStatus.PRE_REGISTERED, CaseStatus.FILING):
            raise ServiceError("not_fileable", f"案件当前状态为“{case.get_status_display()}”，不能立案")
        check_filing(case)
        before = audit.snapshot(case)
        now = timezone.now()
        today = timezone.localdate(now)
        if not case.case_code:
            case.case_code = generate_case_code(case, today)
        case.filed_at = now
        case.deadline = deadline_after(today, calendar_days=FILING_DAYS)
        case.status = CaseStatus.INVESTIGATING
        case.save(update_fields=["case_code", "filed_at", "deadline", "status", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            case,
            changes=audit.diff(before, audit.snapshot(case)),
            detail={"operation": "case.file"},
        )
    return case


def do_submit_for_filing(actor: User, case: EnforcementCase) -> EnforcementCase:
    """报请立案审批: complete the case's 案件预登记 step (its facts checked), so that 立案审批 files and codes it."""
    from teis.workflow import services as wf
    from teis.workflow.choices import ACTIVE_TASK_STATUSES, Decision

    check_can_handle(actor, case)
    task = (
        case.process.tasks.filter(spec_name="Task_PreRegister", status__in=ACTIVE_TASK_STATUSES).first()
        if case.process is not None
        else None
    )
    if task is None:
        raise ServiceError("not_pre_registered", "案件不在“案件预登记”环节，不能报请立案审批")
    wf.complete_task(actor, task, Decision.APPROVE, "报请立案审批")
    return EnforcementCase.objects.get(pk=case.pk)


def do_update_case(actor: User, case: EnforcementCase, data: dict[str, Any]) -> EnforcementCase:
    """Change the case's own data (fields in `UPDATABLE_FIELDS`); audited with the changes, personal data masked.
    A closed or archived case cannot be changed."""
    if not isinstance(data, dict):
        raise ServiceError("invalid", "案件信息格式错误")
    unknown = set(data) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ServiceError(
            "invalid", f"不能修改的字段：{'、'.join(sorted(unknown))}", {k: ["不能修改"] for k in unknown}
        )
    errors = Errors()
    values = check_case_fields(actor, data, errors, partial=True)
    errors.raise_if_any("案件信息")
    with transaction.atomic():
        case = EnforcementCase.objects.select_for_update().get(pk=case.pk)
        check_can_handle(actor, case)
        if case.status in (CaseStatus.CLOSED, CaseStatus.ARCHIVED):
            raise ServiceError("closed", f"案件已{case.get_status_display()}，不能修改")
        if case.decided_at is not None:
            raise ServiceError(
                "decided", "处罚决定已作出，案件信息只能通过“更正”申请并经批准后修改", {"__all__": ["须申请更正"]}
            )
        codes = values.pop("violation_codes", None)
        before = audit.snapshot(case)
        before_codes = "、".join(sorted(c.code for c in case.violation_codes.all()))
        for name, value in values.items():
            setattr(case, name, value)
        if "gross_weight_kg" in values or "weight_limit_kg" in values:
            case.overload_ratio = _decimal_ratio(case.gross_weight_kg, case.weight_limit_kg)
        case.save()
        changes = audit.diff(before, audit.snapshot(case))
        if codes is not None:
            case.violation_codes.set(codes)
            after_codes = "、".join(sorted(c.code for c in codes))
            if after_codes != before_codes:
                changes["违章代码"] = [before_codes, after_codes]
        if changes:
            audit.record(actor, AuditAction.UPDATE, case, changes=changes, detail={"operation": "case.update"})
    return case
