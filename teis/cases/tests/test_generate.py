"""generate_cases: a small count, spread over units with officers, personal data encrypted and searchable."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from teis.cases.models import EnforcementCase, Party
from teis.cases.services import query as q
from teis.core import crypto
from teis.core.models import Sequence

pytestmark = pytest.mark.django_db


def test_generate_small(make_user, tree):
    users = [make_user("field_officer", "squad1"), make_user("field_officer", "squad3")]
    boss = make_user("leadership", "corps")
    call_command("generate_cases", count=120, batch=100, seed=5, stdout=io.StringIO())
    assert EnforcementCase.objects.count() == 120
    units = set(EnforcementCase.objects.values_list("unit_id", flat=True))
    with_staff = {tree["squad1"].pk, tree["squad3"].pk, tree["corps"].pk}
    assert units <= with_staff and len(units) >= 2  # only units that have officers
    assert len(set(EnforcementCase.objects.values_list("status", flat=True))) >= 5
    # personal data stored encrypted, decrypted on read, found by blind index
    person = Party.objects.filter(kind="person").first()
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM cases_party WHERE id = %s", [person.pk])
        stored = cur.fetchone()[0]
    assert stored.startswith("sm4:") and len(person.id_number) == 18
    assert person.id_number_index == crypto.blind_index(person.id_number)
    hits = q.search_cases(boss, [{"field": "party_id_number", "op": "eq", "value": person.id_number}])
    assert person.case_id in set(hits.values_list("pk", flat=True))
    # case codes unique, and the 赋码 sequences moved past them
    codes = list(EnforcementCase.objects.exclude(case_code=None).values_list("case_code", flat=True))
    assert codes and all(len(c) == 18 for c in codes) and len(set(codes)) == len(codes)
    c = codes[0]
    assert Sequence.objects.get(name=f"case_code:{c[:15]}").value >= int(c[15:])
    _ = users


def test_generate_refuses_bad_input(db):
    with pytest.raises(CommandError):
        call_command("generate_cases", count=0)
    with pytest.raises(CommandError):
        call_command("generate_cases", count=5)  # no officers
