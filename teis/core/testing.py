"""Test helpers for every app: a small unit tree, officers with roles, a logged-in client.

Also the generic test mixin (rule 13) lives in `core/testing_mixins.py`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.test import Client

_counter = itertools.count(1)
TEST_PASSWORD = "Teis@2025pass"


def make_tree() -> dict[str, Any]:
    """corps → detachment1 → brigade1 → squad1/squad2; corps → brigade2 → squad3; plus a district brigade."""
    from teis.core.services import generic_service  # noqa: F401
    from teis.org.choices import UnitType
    from teis.org.models import Unit
    from teis.org.services import UnitService

    svc = UnitService()

    def unit(name: str, unit_type: str, parent: Any = None, code: str = "") -> Any:
        return svc.do_create(None, Unit, {"name": name, "unit_type": unit_type, "parent": parent, "subject_code": code})

    corps = unit("上海市交通委员会执法总队", UnitType.CORPS, code="01")
    det1 = unit("第一支队", UnitType.DETACHMENT, corps)
    brigade1 = unit("第一大队", UnitType.BRIGADE, det1)
    squad1 = unit("第一中队", UnitType.SQUAD, brigade1)
    squad2 = unit("第二中队", UnitType.SQUAD, brigade1)
    brigade2 = unit("第二大队", UnitType.BRIGADE, corps)
    squad3 = unit("第三中队", UnitType.SQUAD, brigade2)
    district = unit("浦东新区交通执法大队", UnitType.DISTRICT_BRIGADE, corps)
    return {
        "corps": corps,
        "det1": det1,
        "brigade1": brigade1,
        "squad1": squad1,
        "squad2": squad2,
        "brigade2": brigade2,
        "squad3": squad3,
        "district": district,
    }


def make_officer_user(
    *,
    role_codes: Sequence[str] = (),
    unit: Any,
    username: str | None = None,
    password: str = TEST_PASSWORD,
    must_change_password: bool = False,
    **profile: Any,
) -> Any:
    from teis.org.models import Role
    from teis.org.services import do_create_officer

    n = next(_counter)
    username = username or f"user{n}"
    roles = list(Role.objects.filter(code__in=role_codes))
    profile.setdefault("name", f"测试{n}")
    officer = do_create_officer(
        None,
        username=username,
        password=password,
        unit=unit,
        roles=roles,
        must_change_password=must_change_password,
        **profile,
    )
    return get_user_model().objects.get(pk=officer.user_id)


def logged_in_client(user: User) -> Client:
    from django.test import Client

    client = Client()
    client.force_login(user, backend="teis.org.backends.RoleBackend")
    return client
