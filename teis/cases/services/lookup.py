"""执法对象预查询 (spec §2.7.1.6): when an officer enters an ID number or a plate, what TEIS already knows —
prior cases and violations of that person or vehicle, blacklist hits, the vehicle's operator.

- Cases, detection records (信息派发) and 非法客运 records are read within the officer's data scope
  (`for_user`); the blacklist is read corps-wide because that is its purpose, but only entries in force, and
  only their kind, reason and registering unit.
- ID numbers are matched through the keyed SM3 blind index, never decrypted for the search, and never shown;
  party names are masked unless the officer holds the reveal permission.
- The vehicle's operator is what the corps' own records say: the organisation parties and the 道路运输证号 of
  earlier cases of that plate.
- Every look-up is audited (what was asked, masked, and how many hits), also one that found nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.crypto import blind_index
from teis.core.masking import mask_id_number, mask_name
from teis.core.services import ServiceError
from teis.core.validators import normalise_id_number, normalise_plate, validate_id_number, validate_plate

from ..choices import BlacklistStatus, PartyKind
from ..models import BlacklistEntry, CaseVehicle, EnforcementCase, IllegalTransportRecord, Party, ViolationRecord

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LIMIT = 20
REVEAL_PERMISSION = "org.reveal_personal_data"


def check_query(id_number: str = "", plate: str = "") -> tuple[str, str]:
    """Normalised (id_number, plate); at least one, each valid."""
    id_number, plate = (id_number or "").strip(), (plate or "").strip()
    errors: dict[str, list[str]] = {}
    if not id_number and not plate:
        raise ServiceError("invalid", "请输入身份证号或车牌号", {"id_number": ["请输入身份证号或车牌号"]})
    if id_number:
        id_number = normalise_id_number(id_number)
        try:
            validate_id_number(id_number)
        except Exception as exc:
            errors["id_number"] = [getattr(exc, "messages", [str(exc)])[0]]
    if plate:
        plate = normalise_plate(plate)
        try:
            validate_plate(plate)
        except Exception as exc:
            errors["plate"] = [getattr(exc, "messages", [str(exc)])[0]]
    if errors:
        raise ServiceError("invalid", next(iter(errors.values()))[0], errors)
    return id_number, plate


def _case_row(case: EnforcementCase) -> dict[str, Any]:
    return {
        "id": case.pk,
        "case_code": case.case_code or "",
        "title": case.title,
        "status": case.status,
        "status_display": case.get_status_display(),
        "unit": case.unit.name,
        "discovered_at": case.discovered_at,
        "fine_amount": case.fine_amount,
    }


def lookup_party(user: User, id_number: str = "", plate: str = "") -> dict[str, Any]:
    """The look-up result (plain data for the page fragment and the API). Audited."""
    if not user.has_perm("cases.view_enforcementcase"):
        raise ServiceError("forbidden", "没有执法对象预查询的权限")
    id_number, plate = check_query(id_number, plate)
    can_reveal = user.has_perm(REVEAL_PERMISSION)
    index = blind_index(id_number) if id_number else None
    case_q = Q(pk__in=[])
    if index:
        case_q |= Q(pk__in=Party.objects.filter(id_number_index=index).values("case_id"))
    if plate:
        case_q |= Q(pk__in=CaseVehicle.objects.filter(plate=plate).values("case_id"))
    cases = list(
        EnforcementCase.objects.for_user(user).filter(case_q).select_related("unit").order_by("-discovered_at")[:LIMIT]
    )
    violations = []
    if plate:
        violations = [
            {
                "id": v.pk,
                "detected_at": v.detected_at,
                "station": v.station,
                "description": v.description,
                "status_display": v.get_status_display(),
            }
            for v in ViolationRecord.objects.for_user(user).filter(plate=plate).order_by("-detected_at")[:LIMIT]
        ]
    illegal_q = Q(pk__in=[])
    if plate:
        illegal_q |= Q(plate=plate)
    if index:
        illegal_q |= Q(driver_id_number_index=index)
    illegal = [
        {
            "id": r.pk,
            "occurred_at": r.occurred_at,
            "plate": r.plate,
            "driver_name": r.driver_name if can_reveal else mask_name(r.driver_name),
            "place": r.place,
        }
        for r in IllegalTransportRecord.objects.for_user(user).filter(illegal_q).order_by("-occurred_at")[:LIMIT]
    ]
    black_q = Q(pk__in=[])
    if plate:
        black_q |= Q(plate=plate)
    if index:
        black_q |= Q(id_number_index=index)
    blacklist = [
        {
            "id": b.pk,
            "kind_display": b.get_kind_display(),
            "name": b.name if can_reveal or b.kind != "person" else mask_name(b.name),
            "reason": b.reason,
            "unit": b.unit.name,
            "since": b.reviewed_at,
        }
        for b in BlacklistEntry.objects.filter(black_q, status=BlacklistStatus.ACTIVE).select_related("unit")
    ]
    operators = []
    if plate:
        case_ids = CaseVehicle.objects.filter(plate=plate, case__in=EnforcementCase.objects.for_user(user))
        seen = set()
        for p in Party.objects.filter(kind=PartyKind.ORGANISATION, case_id__in=case_ids.values("case_id")):
            if p.credit_code not in seen:
                seen.add(p.credit_code)
                operators.append({"name": p.name, "credit_code": p.credit_code})
        licences = sorted({v for v in case_ids.values_list("operating_licence", flat=True) if v})
    else:
        licences = []
    result: dict[str, Any] = {
        "query": {"id_number": mask_id_number(id_number) if id_number else "", "plate": plate},
        "cases": [_case_row(c) for c in cases],
        "violations": violations,
        "illegal_transport": illegal,
        "blacklist": blacklist,
        "operators": operators,
        "operating_licences": licences,
    }
    audit.record(
        user,
        AuditAction.VIEW,
        None,
        object_type="cases.lookup",
        detail={
            "operation": "cases.party_lookup",
            "id_number": result["query"]["id_number"],
            "plate": plate,
            "hits": {k: len(v) for k, v in result.items() if isinstance(v, list)},
        },
    )
    return result
