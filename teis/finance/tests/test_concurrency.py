"""A number is consumed once under concurrency (PostgreSQL: the unique constraint decides between transactions)."""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connection

from teis.core.services import ServiceError
from teis.finance.models import StockUse

from ._factories import held


@pytest.mark.django_db(transaction=True)
def test_each_number_is_consumed_once_by_concurrent_holders(make_user, tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test needs PostgreSQL (SQLite serialises writers)")
    from teis.finance.services.stock import consume_number

    officer = make_user("field_officer", "squad1")
    held(tree["squad1"], 1, 20, holder=officer)
    won: list[int] = []
    refused: list[str] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def worker(seed: int):
        from django.db import connections, transaction

        numbers = list(range(1, 21))
        random.Random(seed).shuffle(numbers)
        try:
            for n in numbers:
                try:
                    with transaction.atomic():
                        consume_number("fr", n, officer, f"并发{seed}")
                    with lock:
                        won.append(n)
                except ServiceError as err:
                    with lock:
                        refused.append(err.code)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(won) == list(range(1, 21))
    assert len(refused) == 6 * 20 - 20 and set(refused) == {"number_used"}
    assert StockUse.objects.count() == 20
