"""API serializers of the organisation models: the same validation as the forms (rule 9)."""

from __future__ import annotations

from rest_framework import serializers

from teis.core.api.serializers import ScopedModelSerializer
from teis.core.validators import validate_id_number, validate_mobile_phone
from teis.org.validators import check_subject_code

from ..models import MobileDevice, Officer, Unit


class UnitSerializer(ScopedModelSerializer):
    class Meta:
        model = Unit
        fields = "__all__"

    def validate_subject_code(self, value):
        return check_subject_code(value or "")

    def validate_region_code(self, value):
        code = (value or "").strip()
        if code and (len(code) != 6 or not code.isdigit()):
            raise serializers.ValidationError("行政区划代码应为 6 位数字（GB/T 2260）。")
        return code


class OfficerSerializer(ScopedModelSerializer):
    """Creating an officer creates the login account: `username` and `password` are write-only."""

    username = serializers.CharField(label="登录账号", max_length=150, write_only=True, required=False)
    password = serializers.CharField(
        label="初始密码", max_length=128, write_only=True, required=False, style={"input_type": "password"}
    )
    id_number = serializers.CharField(
        label="身份证号", required=False, allow_blank=True, max_length=18, validators=[validate_id_number]
    )
    phone = serializers.CharField(
        label="手机号", required=False, allow_blank=True, max_length=11, validators=[validate_mobile_phone]
    )

    class Meta:
        model = Officer
        exclude = ["id_number_index", "phone_index", "totp_secret"]
        read_only_fields = ["user", "must_change_password", "password_changed_at", "totp_enabled"]

    def validate(self, attrs):
        if self.instance is None:
            errors = {k: ["新增人员须填写此项。"] for k in ("username", "password") if not attrs.get(k)}
            if errors:
                raise serializers.ValidationError(errors)
        else:
            attrs.pop("username", None)
            attrs.pop("password", None)
        return attrs


class MobileDeviceSerializer(ScopedModelSerializer):
    phone_number = serializers.CharField(label="手机号码", max_length=11, validators=[validate_mobile_phone])

    class Meta:
        model = MobileDevice
        fields = "__all__"
