"""Fixtures of the documents tests."""

from __future__ import annotations

import pytest

from teis.cases.tests.test_processes import FILES
from teis.workflow import services as wf


@pytest.fixture
def people(make_user, roles):
    wf.ensure_definitions(None, FILES)
    return {
        "officer": make_user("field_officer", "squad1", username="doc_officer"),
        "squad": make_user("squad_leader", "squad1", username="doc_squad"),
        "brigade": make_user("brigade_leader", "brigade1", username="doc_brigade"),
        "legal": make_user("legal_reviewer", "corps", username="doc_legal"),
        "leader": make_user("leadership", "corps", username="doc_leader"),
        "other": make_user("field_officer", "squad3", username="doc_other"),
    }
