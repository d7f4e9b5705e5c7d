"""转入行政处罚: a 行政强制 measure that ends in the penalty procedure (行政强制法 art. 27), or a 行政检查 that found a
violation to be 立案查处, becomes a new general-procedure case, pre-registered with what the first case already
knows (parties, vehicles, 案由, violation codes, facts, place), linked to it both ways (`origin_case`) and, for a
measure, holding its property: the held items move to the new case, whose decision settles them.

The new case is made by `intake.do_pre_register` (its checks, audit and workflow start), in the completing step's
transaction: if it is refused, the step is refused with the same message and nothing is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from teis.audit import services as audit
from teis.audit.choices import AuditAction

from ..choices import Procedure
from ..models import CaseProperty, EnforcementCase

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _party_data(case: EnforcementCase) -> list[dict[str, Any]]:
    return [
        {
            "kind": p.kind,
            "name": p.name,
            "id_number": p.id_number or "",
            "phone": p.phone or "",
            "address": p.address or "",
            "credit_code": p.credit_code,
            "legal_representative": p.legal_representative,
        }
        for p in case.parties.order_by("pk")
    ]


def _vehicle_data(case: EnforcementCase) -> list[dict[str, Any]]:
    fields = ("plate", "vehicle_type", "operating_licence", "driver_name", "driver_licence")
    return [{f: getattr(v, f) for f in fields} for v in case.vehicles.order_by("pk")]


def penalty_case_data(origin: EnforcementCase, facts: str) -> dict[str, Any]:
    """The pre-registration of the derived case, in the shape the pre-registration form posts."""
    return {
        "title": f"{origin.title}（转入行政处罚）"[:200],
        "procedure": Procedure.GENERAL,
        "source": origin.source,
        "business_line": origin.business_line_id,
        "unit": origin.unit_id,
        "place": origin.place,
        "lon": origin.lon,
        "lat": origin.lat,
        "case_cause": origin.case_cause_id,
        "violation_codes": list(origin.violation_codes.values_list("pk", flat=True)),
        "facts": facts or origin.facts,
        "parties": _party_data(origin),
        "vehicles": _vehicle_data(origin),
    }


def derive_penalty_case(actor: User, origin: EnforcementCase, facts: str, properties: Any = ()) -> EnforcementCase:
    """Pre-register the penalty case of `origin` (see the module) for the origin's handler, link it and move
    `properties` (held items of the measure) to it. Returns the new case."""
    from . import intake
    from .property import HELD

    # registered in the name of the origin's handler, who goes on with it (the reviewer who decided 立案查处 may
    # hold no right to register cases); the audit record below names who completed the step
    registrant = origin.handler if origin.handler.is_active else actor
    case = intake.do_pre_register(registrant, penalty_case_data(origin, facts))
    EnforcementCase.objects.filter(pk=case.pk).update(origin_case=origin)
    case.origin_case = origin
    moved = [p for p in properties if p.status in HELD]
    if moved:
        CaseProperty.objects.filter(pk__in=[p.pk for p in moved]).update(case=case)
    audit.record(
        actor,
        AuditAction.UPDATE,
        origin,
        changes={"转入行政处罚案件": [None, case.title]},
        detail={
            "operation": "cases.derive_penalty_case",
            "derived_case": case.pk,
            "properties": [p.pk for p in moved],
        },
    )
    return case
