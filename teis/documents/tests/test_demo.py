"""The demo: an archived demo case carries the documents its steps issued — numbered, sealed, verifying — and
the cases' document requirements of its steps are met."""

from __future__ import annotations

import pytest

from teis.cases import steps
from teis.cases.demo.general import STORIES, load_general_demo
from teis.documents.demo.loader import load_demo
from teis.documents.models import Document
from teis.documents.services import verification

pytestmark = pytest.mark.django_db


def test_archived_demo_case_carries_its_documents(settings, tmp_path):
    from teis.legal.demo.loader import load_demo as load_legal
    from teis.org.management.commands.seed_demo import Seeder
    from teis.org.roles import ensure_roles
    from teis.workflow.services import ensure_definitions

    settings.MEDIA_ROOT = str(tmp_path)
    seeder = Seeder()
    ensure_roles()
    lines = seeder.dictionaries()
    seeder.officers(seeder.units(lines), lines)
    load_legal()
    ensure_definitions(None)
    load_general_demo([STORIES[0]])  # one archived case
    counts = load_demo(full=True)
    assert counts["执法文书"] >= 10
    assert load_demo(full=True) == {}  # idempotent
    docs = list(Document.objects.select_related("doc_type", "case"))
    names = {d.doc_type.name for d in docs}
    assert {"立案登记表", "询问笔录", "违法行为通知书", "行政处罚决定书", "送达回证", "结案报告", "卷宗封面"} <= names
    case = docs[0].case
    for step in ("Task_Finding", "Task_Decision", "Task_Archive", "Task_Execution"):
        assert not [m for m in steps.missing_requirements(case, step) if m.startswith("缺少文书：送达回证")]
    by_name = {d.doc_type.name: d for d in docs}
    assert by_name["违法行为通知书"].issued_at < by_name["行政处罚决定书"].issued_at < by_name["卷宗封面"].issued_at
    assert verification.verify(by_name["行政处罚决定书"]).valid
