"""Threads that write the test database at the same moment wait for each other instead of failing: the SQLite test
database is a file (see `settings.py`), as the live server of the browser tests serves every request in a thread
with a connection of its own while the test itself writes (stop 14's CI failed on "database table is locked"
with SQLite's shared-cache memory database; sharing one connection instead failed on "no such savepoint")."""

import threading

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, connections, transaction

pytestmark = pytest.mark.django_db(transaction=True)


def test_sqlite_test_database_is_not_shared_cache_memory():
    if connection.vendor == "sqlite":
        assert not connection.is_in_memory_db()


def test_threads_and_the_test_write_the_same_table_at_once():
    errors = []
    start = threading.Barrier(5)

    def sessions(n):
        try:
            start.wait(10)
            for i in range(20):
                with transaction.atomic():  # a request's transaction holds its locks for a while
                    store = SessionStore()
                    store["n"] = (n, i)
                    store.save()
                    SessionStore(session_key=store.session_key).load()
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sessions, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    sessions(99)
    for t in threads:
        t.join(60)
    assert errors == []
    from django.contrib.sessions.models import Session

    assert Session.objects.count() == 5 * 20
