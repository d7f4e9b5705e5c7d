import threading

import pytest
from django.db import connection

from teis.core.codes import next_code, next_value


@pytest.mark.django_db
def test_sequences_count_up_independently():
    assert [next_value("a") for _ in range(3)] == [1, 2, 3]
    assert next_value("b") == 1
    assert next_code("c", "沪交执罚〔2025〕第{n:06d}号") == "沪交执罚〔2025〕第000001号"


@pytest.mark.django_db
def test_bad_name_refused():
    with pytest.raises(ValueError):
        next_value("")


@pytest.mark.django_db(transaction=True)
def test_no_duplicates_under_concurrency():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test needs PostgreSQL (SQLite serialises writers)")
    results: list[int] = []
    lock = threading.Lock()
    errors: list[Exception] = []

    def worker():
        from django.db import connections

        try:
            for _ in range(25):
                v = next_value("concurrent")
                with lock:
                    results.append(v)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == list(range(1, 201))
