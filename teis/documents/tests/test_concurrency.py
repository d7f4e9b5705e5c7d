"""文号 under concurrency (PostgreSQL): documents issued at the same time in separate transactions get distinct,
consecutive numbers — none lost to a collision, none reused."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from teis.documents.models import Document
from teis.documents.services import issuing

from .factories import ready_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks under real concurrency: PostgreSQL")
def test_concurrent_issues_get_unique_numbers(tree, make_user, roles, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    officer = make_user("field_officer", "squad1", username="doc_concurrent")
    case = ready_case(tree["squad1"], officer)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def work():
        try:
            barrier.wait()
            for _ in range(3):
                issuing.issue_document(officer, case, "violation_notice")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    numbers = sorted(Document.objects.filter(case=case).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 12
    tails = sorted(int(n.split("〕")[1].rstrip("号")) for n in numbers)
    assert tails == list(range(1, 13))
