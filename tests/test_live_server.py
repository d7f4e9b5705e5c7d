"""The live server of the browser tests shares the test's database connection on SQLite's in-memory database
(see `live_server` in the root conftest): a request thread with a connection of its own hits the shared cache's
table locks ("database table is locked") whenever the browser and the test touch a table at the same moment."""

import threading
import urllib.request

import pytest
from django.core.signals import request_started
from django.db import connection, connections

pytestmark = pytest.mark.django_db(transaction=True)


def test_request_threads_use_the_tests_connection_on_in_memory_sqlite(live_server):
    if not (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        assert live_server.thread.connections_override == {}  # a real database: each thread connects itself
        return
    seen = []

    def record(**kwargs):
        seen.append((threading.current_thread() is not threading.main_thread(), connections["default"]))

    request_started.connect(record, weak=False)
    try:
        urllib.request.urlopen(live_server.url + "/login/", timeout=10).read()  # noqa: S310 (loopback)
    finally:
        request_started.disconnect(record)
    assert len(seen) == 1 and seen[0][0], seen  # served by a request thread…
    assert seen[0][1] is connections["default"]  # …on the test's own connection
