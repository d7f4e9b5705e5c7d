"""Fixtures shared by the tests of property / parking, overload, blacklist, look-up and the simplified procedure:
the case setup of `test_intake` (region codes, business lines, a cause, a violation code 10001 fined 1–10 元)
plus the shipped `case_simplified` and `case_coercive` diagrams, and the people who use them."""

# ruff: noqa: F401, F811

from __future__ import annotations

from pathlib import Path

import pytest

from .test_intake import ID_NUMBER, PHONE, case_setup, media

CREDIT_CODE = "91310000MA1FL0001R"  # a valid GB 32100 code (check digit R)

PROCESSES = Path(__file__).parents[1] / "processes"


@pytest.fixture
def side(case_setup, make_user, tree):
    from teis.legal.models import ViolationCode
    from teis.workflow import services as wf

    from ..services.case import register_listeners
    from ..services.simplified import register_listener

    wf.ensure_definitions(
        None, [PROCESSES / f"{key}.bpmn" for key in ("case_general", "case_simplified", "case_coercive")]
    )
    register_listeners()
    register_listener()
    wide = ViolationCode.objects.create(code="20001", name="出租汽车不按规定使用计价器", fine_min=50, fine_max=2000)
    return {
        **case_setup,
        "wide": wide,
        "officer": make_user("field_officer", "squad1", username="side_officer"),
        "officer2": make_user("field_officer", "squad1", username="side_officer2"),
        "squad": make_user("squad_leader", "squad1", username="side_squad"),
        "squad3": make_user("squad_leader", "squad3", username="side_squad3"),
        "officer3": make_user("field_officer", "squad3", username="side_officer3"),
        "brigade": make_user("brigade_leader", "brigade1", username="side_brigade"),
        "evidence": make_user("evidence_admin", "det1", username="side_evidence"),
        "nobody": make_user(None, "squad1", username="side_nobody"),
    }
