"""Every user task of every shipped case diagram reaches a real person: for each demo unit that handles cases
(the squads and district brigades of `seed_demo`'s organisation), the unit and role each step is routed to
(`candidate_target`: the lane's role in `teis:unit`, in the 机关科室 that holds it) has at least one demo user."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from teis.cases import steps
from teis.org.choices import UnitType
from teis.org.management.commands.seed_demo import Seeder
from teis.org.models import Unit
from teis.org.roles import ensure_roles
from teis.workflow import bpmn
from teis.workflow import services as wf

FILES = sorted((Path(steps.__file__).parent / "processes").glob("*.bpmn"))

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_org(db):
    seeder = Seeder()
    ensure_roles()
    lines = seeder.dictionaries()
    units = seeder.units(lines)
    seeder.officers(units, lines)
    # a case belongs to the unit of the officer who registers it: every demo unit with field officers
    return Unit.objects.filter(
        unit_type__in=[UnitType.SQUAD, UnitType.DISTRICT_BRIGADE, UnitType.DIRECT_BRIGADE],
        officers__roles__code="field_officer",
    ).distinct()


def test_every_case_step_is_offered_to_a_demo_user_in_every_demo_unit(demo_org):
    assert demo_org.count() > 20
    nobody = []
    for path in FILES:
        parsed, _, _ = bpmn.parse_definition(path.read_text(encoding="utf-8"), path.stem)
        for meta in parsed.tasks.values():
            for unit in demo_org:
                target, role = wf.candidate_target(SimpleNamespace(unit=unit), meta, {})
                if not wf.role_holders(role, target):
                    nobody.append(f"{path.stem}/{meta.name}@{unit.name}→{target.name}:{role}")
    assert not nobody, sorted({n.split("@")[0] + "→" + n.split(":")[-1] for n in nobody})


def test_legal_review_goes_to_the_legal_department(demo_org):
    squad = demo_org.filter(unit_type=UnitType.SQUAD).first()
    parsed, _, _ = bpmn.parse_definition((FILES[0].parent / "case_general.bpmn").read_text(encoding="utf-8"))
    target, role = wf.candidate_target(SimpleNamespace(unit=squad), parsed.tasks["Task_LegalReview"], {})
    assert (target.name, role) == ("法制科", "legal_reviewer")
    assert "legal" in {u.username for u in wf.role_holders(role, target)}
    assert steps.GENERAL in {p.stem for p in FILES}
