"""Fixtures of the workflow tests: the sample approval definition and a user per role around it."""

from pathlib import Path

import pytest

from teis.workflow import services

SAMPLE = Path(services.__file__).parents[1] / "processes" / "sample_approval.bpmn"


@pytest.fixture
def defs(roles):
    return services.ensure_definitions(None, [SAMPLE])


@pytest.fixture
def people(make_user, defs):
    return {
        "officer": make_user("field_officer", "squad1", username="officer1"),
        "squad": make_user("squad_leader", "squad1", username="squad1lead"),
        "squad_b": make_user("squad_leader", "squad1", username="squad1lead2"),
        "other_squad": make_user("squad_leader", "squad2", username="squad2lead"),
        "brigade": make_user("brigade_leader", "brigade1", username="brigade1lead"),
        "brigade2": make_user("brigade_leader", "brigade2", username="brigade2lead"),
        "leader": make_user("leadership", "corps", username="boss"),
    }
