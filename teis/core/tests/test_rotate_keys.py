import io

import pytest
from django.core.management import call_command
from django.db import connection

from teis.core import crypto
from teis.org.models import Officer

NEW_KEY = "00112233445566778899aabbccddeeff"


def raw_id_number(pk):
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM org_officer WHERE id = %s", [pk])
        return cur.fetchone()[0]


@pytest.mark.django_db
def test_rotate_keys_reencrypts_with_current_version(make_user, settings):
    user = make_user("field_officer", "squad1", id_number="110101199003074477", phone="13800138000")
    pk = user.officer.pk
    old = raw_id_number(pk)
    assert old.startswith("sm4:v1:")
    settings.TEIS_SM4_KEYS = {**settings.TEIS_SM4_KEYS, 2: NEW_KEY}
    settings.TEIS_SM4_KEY_VERSION = 2
    call_command("rotate_keys", stdout=io.StringIO())
    new = raw_id_number(pk)
    assert crypto.token_key_version(new) == 2 and new != old
    assert Officer.objects.get(pk=pk).id_number == "110101199003074477"
    # a second run has nothing left to do
    from teis.core.management.commands.rotate_keys import rotate

    assert rotate()["org.Officer.id_number"] == 0
