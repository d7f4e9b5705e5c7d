"""The evidence centre's side of `teis.cases.ports`: what the case record asks of it, provided at start-up."""

from __future__ import annotations

from django.db.models import Q

from .choices import EvidenceStatus
from .models import EvidenceItem


def linkable_evidence(case, limit: int = 200):
    """Evidence-centre items the handlers may link at 调查取证: collected by the handler or co-handler or in the
    case's unit, active, not yet linked to the case; newest first."""
    people = [pk for pk in (case.handler_id, case.co_handler_id) if pk]
    return (
        EvidenceItem.objects.filter(Q(officer_id__in=people) | Q(unit_id=case.unit_id), status=EvidenceStatus.ACTIVE)
        .exclude(links__case=case)
        .order_by("-captured_at", "-pk")[:limit]
    )


def evidence_in_scope(actor, ids: list[int]) -> list:
    return list(EvidenceItem.objects.for_user(actor).filter(pk__in=ids))


def provide() -> None:
    from teis.cases import ports

    from .services import ingest, links

    ports.provide(
        linkable_evidence=linkable_evidence,
        evidence_in_scope=evidence_in_scope,
        link_evidence=links.do_link,
        store_attachment=ingest.ingest_bytes,
        discard_stored=ingest.discard_stored,
        case_evidence_links=links.case_links,
    )
