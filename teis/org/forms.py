from django import forms
from django.contrib.auth import get_user_model

from teis.core.forms import ScopedModelForm, style_widgets
from teis.core.validators import validate_id_number, validate_mobile_phone

from .models import MobileDevice, Officer, Role, SecurityPolicy, Unit


class UnitForm(ScopedModelForm):
    class Meta:
        model = Unit
        fields = [
            "name",
            "short_name",
            "unit_type",
            "parent",
            "subject_code",
            "region_code",
            "business_lines",
            "order",
            "is_active",
            "jurisdiction",
        ]

    def clean_region_code(self):
        code = self.cleaned_data["region_code"].strip()
        if code and (len(code) != 6 or not code.isdigit()):
            raise forms.ValidationError("行政区划代码应为 6 位数字（GB/T 2260）。")
        return code

    def clean_jurisdiction(self):
        value = self.cleaned_data.get("jurisdiction")
        if value in (None, ""):
            return None
        if not isinstance(value, dict) or value.get("type") not in (
            "Polygon",
            "MultiPolygon",
            "Feature",
            "FeatureCollection",
        ):
            raise forms.ValidationError("辖区范围应为 GeoJSON 多边形。")
        return value


class OfficerForm(ScopedModelForm):
    id_number = forms.CharField(label="身份证号", required=False, validators=[validate_id_number])
    phone = forms.CharField(label="手机号", required=False, validators=[validate_mobile_phone])

    class Meta:
        model = Officer
        fields = [
            "name",
            "badge_number",
            "certificate_number",
            "certificate_valid_until",
            "id_number",
            "phone",
            "unit",
            "position",
            "business_lines",
            "roles",
            "status",
        ]
        widgets = {"certificate_valid_until": forms.DateInput()}


class OfficerCreateForm(OfficerForm):
    username = forms.CharField(label="登录账号", max_length=150)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, help_text="首次登录须修改")

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username=username).exists():
            raise forms.ValidationError("账号已存在。")
        return username


class RoleForm(ScopedModelForm):
    class Meta:
        model = Role
        fields = ["code", "name", "description", "data_scope", "admin_kind", "permissions"]
        widgets = {"permissions": forms.SelectMultiple(attrs={"size": 16})}


class MobileDeviceForm(ScopedModelForm):
    class Meta:
        model = MobileDevice
        fields = ["owner", "phone_number", "device_id", "imsi", "model_name", "resolution", "is_active"]

    def clean_phone_number(self):
        value = self.cleaned_data["phone_number"]
        validate_mobile_phone(value)
        return value


class SecurityPolicyForm(forms.ModelForm):
    class Meta:
        model = SecurityPolicy
        exclude = ["updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class LoginForm(forms.Form):
    username = forms.CharField(label="账号", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class TotpForm(forms.Form):
    code = forms.CharField(label="动态口令", max_length=8)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput)
    new_password = forms.CharField(label="新密码", widget=forms.PasswordInput)
    new_password2 = forms.CharField(label="确认新密码", widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致。")
        return data
