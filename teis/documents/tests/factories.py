"""Factories of the documents tests: a case ready for the 违法行为通知书 without walking the process (fast), and
document rows made directly (for the list / scope tests that need many)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model

from teis.cases.models import CaseDecision, EnforcementCase, Party
from teis.documents.codes import new_verify_code
from teis.documents.models import Document, DocumentType
from teis.documents.services.catalogue import current_template, ensure_catalogue
from teis.documents.services.seals import ensure_unit_seal

_codes = itertools.count(1)


def handler_for(unit):
    user, _ = get_user_model().objects.get_or_create(username=f"doc_handler_{unit.pk}")
    return user


def ready_case(unit, handler=None, **kw) -> EnforcementCase:
    """A filed case with a party, facts, a fine and its legal basis: what a 违法行为通知书 needs."""
    n = next(_codes)
    kw.setdefault("title", f"出租汽车拒载案{n}")
    kw.setdefault("fine_amount", Decimal("300"))
    kw.setdefault("case_code", f"31000001126{n:07d}")
    kw.setdefault("facts", "2026年11月30日，驾驶员在浦东机场拒载乘客。")
    case = EnforcementCase.objects.create(unit=unit, handler=handler or handler_for(unit), **kw)
    Party.objects.create(
        case=case, kind="person", name="张三", id_number="310101199001011234", address="上海市浦东新区"
    )
    CaseDecision.objects.create(
        case=case,
        legal_basis="《上海市出租汽车管理条例》第二十八条、第四十五条",
        penalty_kinds=["fine"],
        evidence_list="询问笔录、行车记录仪视频",
    )
    return case


def make_document(unit, n: int, **kw) -> Document:
    """A document row (no PDF rendered): enough for lists, scope and state tests."""
    if not DocumentType.objects.exists():
        ensure_catalogue()
    doc_type = DocumentType.objects.get(code=kw.pop("type_code", "violation_notice"))
    case = kw.pop("case", None) or EnforcementCase.objects.create(
        unit=unit, handler=handler_for(unit), title=f"文书测试案{n}"
    )
    seal = ensure_unit_seal(None, unit)
    defaults = {
        "case": case,
        "unit": unit,
        "doc_type": doc_type,
        "template": current_template(doc_type),
        "number": f"测试交执违通〔2026〕{n:05d}号",
        "file_name": f"documents/none-{n}.pdf",
        "sm3": "0" * 64,
        "signature": "",
        "seal": seal,
        "verify_code": new_verify_code(),
        "issued_by": case.handler,
    }
    defaults.update(kw)
    return Document.objects.create(**defaults)
