"""Rule 13: the generic pages and API of the organisation models, as four users."""

import pytest

from teis.core.testing import make_officer_user
from teis.core.testing_mixins import GenericModelTests
from teis.org.choices import UnitType
from teis.org.models import MobileDevice, Role, Unit
from teis.org.services import UnitService

pytestmark = pytest.mark.django_db


class TestUnitGeneric(GenericModelTests):
    model_label = "org.unit"
    unique_column = "name"
    lookup_field = "name"
    filter_exclude = {
        "short_name": "简称只作显示，按单位名称查询",
        "region_code": "行政区划代码只作显示",
    }

    def make_object(self, unit, n):
        return UnitService().do_create(
            None, Unit, {"name": f"测试单位{n}", "unit_type": UnitType.SQUAD, "parent": unit, "region_code": "310101"}
        )

    def form_data(self, ctx, n):
        return {
            "name": f"新建中队{n}",
            "short_name": f"新{n}",
            "unit_type": UnitType.SQUAD,
            "parent": ctx.tree["squad1"].pk,
            "region_code": "310115",
            "order": 3,
            "is_active": "on",
        }

    def api_data(self, ctx, n):
        data = self.form_data(ctx, n)
        data["is_active"] = True
        return data


class TestOfficerGeneric(GenericModelTests):
    model_label = "org.officer"
    unique_column = "name"
    lookup_field = "name"
    filter_exclude = {
        "badge_number": "警号按姓名、执法证号查询",
        "position": "职务只作显示",
        "phone": "加密字段，只能经盲索引精确查询",
        "id_number": "加密字段，只能经盲索引精确查询",
    }

    def make_object(self, unit, n):
        user = make_officer_user(
            unit=unit, username=f"gen{n}", name=f"人员{n}", phone="13812345678", id_number="11010519491231002X"
        )
        officer = user.officer
        officer.roles.set(Role.objects.filter(code="field_officer"))
        return officer

    def form_data(self, ctx, n):
        return {
            "username": f"newofficer{n}",
            "password": "Strong#Pass2025",
            "name": f"新队员{n}",
            "badge_number": f"B{n}",
            "unit": ctx.tree["squad1"].pk,
            "phone": "13900001111",
            "id_number": "11010519491231002X",
            "roles": [Role.objects.get(code="field_officer").pk],
            "status": "active",
        }

    def edit_form_data(self, ctx, obj, n):
        data = self.form_data(ctx, n)
        del data["username"], data["password"]
        return data

    def api_update_data(self, ctx, obj, n):
        return {"name": f"改名{n}"}


class TestRoleGeneric(GenericModelTests):
    model_label = "org.role"
    unique_column = "code"
    lookup_field = "name"
    scoped = False
    filter_exclude = {"code": "角色编码按名称查询", "description": "说明只作显示"}

    def make_object(self, unit, n):
        return Role.objects.create(code=f"role{n}", name=f"角色{n}", data_scope="unit")

    def form_data(self, ctx, n):
        from django.contrib.auth.models import Permission

        perm = Permission.objects.get(codename="view_unit", content_type__app_label="org")
        return {
            "code": f"newrole{n}",
            "name": f"新角色{n}",
            "description": "测试",
            "data_scope": "unit",
            "admin_kind": "",
            "permissions": [perm.pk],
        }


class TestMobileDeviceGeneric(GenericModelTests):
    model_label = "org.mobiledevice"
    unique_column = "device_id"
    lookup_field = "device_id"
    extra_permissions = ["org.view_unit", "org.view_officer"]
    filter_exclude = {"imsi": "IMSI 只作显示，登录校验用", "model_name": "手机型号只作显示"}

    def make_object(self, unit, n):
        owner = make_officer_user(unit=unit, username=f"devowner{n}", name=f"机主{n}").officer
        return MobileDevice.objects.create(
            owner=owner, phone_number="13700001111", device_id=f"IMEI{n:010d}", model_name="华为"
        )

    def form_data(self, ctx, n):
        return {
            "owner": ctx.user.officer.pk,
            "phone_number": "13611112222",
            "device_id": f"NEWDEV{n}",
            "imsi": "460001234567890",
            "model_name": "小米",
            "resolution": "1080x2400",
            "is_active": "on",
        }

    def api_data(self, ctx, n):
        data = self.form_data(ctx, n)
        data["is_active"] = True
        return data
