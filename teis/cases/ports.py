"""What the case record asks of the evidence centre (执法证据中心).

`teis.evidence` sits above cases: its items are linked to cases and its services read them, so cases does not import
it. The evidence app provides these functions when Django starts (`EvidenceConfig.ready`, implemented in
`teis.evidence.case_port`); the case record calls them here.
"""

from __future__ import annotations

from typing import Any

from teis.core.ports import Ports

_ports = Ports("cases")
provide = _ports.provide  # called by EvidenceConfig.ready (teis.evidence.case_port)
_get = _ports.get


def linkable_evidence(case, limit: int = 200):
    """Items the handlers may link at 调查取证: theirs or their unit's, active, not yet linked; newest first."""
    return _get("linkable_evidence")(case, limit)


def evidence_in_scope(actor, ids: list[int]) -> list:
    """The evidence items with these ids that the actor may see."""
    return _get("evidence_in_scope")(actor, ids)


def link_evidence(actor, item, case, description: str):
    """Link one item to the case (chain of custody, audited)."""
    return _get("link_evidence")(actor, item, case, description)


def store_attachment(actor: Any, uploaded: Any, **kwargs: Any) -> Any:
    """One uploaded file of a pre-registration stored as an evidence item linked to the case."""
    return _get("store_attachment")(actor, uploaded, **kwargs)


def discard_stored(names: list[str]) -> None:
    """Remove originals stored for a pre-registration that failed afterwards."""
    return _get("discard_stored")(names)


def case_evidence_links(user, case):
    """The case's evidence links the user may see, with their items."""
    return _get("case_evidence_links")(user, case)
