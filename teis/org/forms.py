from django import forms
from django.contrib.auth import get_user_model

from teis.core.forms import ScopedModelForm, style_widgets
from teis.core.masking import mask_id_number, mask_phone
from teis.core.validators import (
    normalise_id_number,
    normalise_mobile_phone,
    validate_id_number,
    validate_mobile_phone,
)

from .models import MobileDevice, Officer, Role, SecurityPolicy, Unit
from .validators import check_subject_code


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

    # Wider than the column so that a wrong length gets the message below, not a generic length error.
    region_code = forms.CharField(label="行政区划代码", max_length=20, required=False, help_text="GB/T 2260，6 位数字")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False

    def clean_order(self):
        return self.cleaned_data.get("order") or 0

    def clean_subject_code(self):
        return check_subject_code(self.cleaned_data["subject_code"])

    def clean_region_code(self):
        code = (self.cleaned_data.get("region_code") or "").strip()
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
    """Personal data is shown masked to a user without the reveal permission; submitting the masked value
    unchanged keeps the stored one."""

    id_number = forms.CharField(label="身份证号", required=False, max_length=30)
    phone = forms.CharField(label="手机号", required=False, max_length=20)
    personal_fields = {
        "id_number": (normalise_id_number, validate_id_number, mask_id_number),
        "phone": (normalise_mobile_phone, validate_mobile_phone, mask_phone),
    }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.reveal = user is not None and user.has_perm("org.reveal_personal_data")
        if self.instance.pk and not self.reveal:
            for name, (_normalise, _validate, mask) in self.personal_fields.items():
                value = getattr(self.instance, name)
                if value:
                    self.initial[name] = mask(value)
                    self.fields[name].help_text = "已脱敏显示，不修改则保持原值"

    def _clean_personal(self, name: str) -> str:
        normalise, validate, mask = self.personal_fields[name]
        value = normalise(self.cleaned_data.get(name) or "")
        old = getattr(self.instance, name, "") if self.instance.pk else ""
        if old and value == mask(old):
            return old
        if value:
            validate(value)
        return value

    def clean_id_number(self):
        return self._clean_personal("id_number")

    def clean_phone(self):
        return self._clean_personal("phone")

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
    field_order = ["username", "password", "name"]

    username = forms.CharField(label="登录账号", max_length=150)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, help_text="首次登录须修改")

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if not username.replace("_", "").replace(".", "").replace("-", "").isalnum():
            raise forms.ValidationError("账号只能由字母、数字和 _ . - 组成。")
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
        value = normalise_mobile_phone(self.cleaned_data["phone_number"])
        validate_mobile_phone(value)
        return value

    def clean_device_id(self):
        return self.cleaned_data["device_id"].strip()

    def clean_imsi(self):
        value = self.cleaned_data["imsi"].strip()
        if value and (not value.isdigit() or len(value) > 15):
            raise forms.ValidationError("IMSI 应为不超过 15 位的数字。")
        return value


class SecurityPolicyForm(forms.ModelForm):
    class Meta:
        model = SecurityPolicy
        exclude = ["updated_at"]

    def __init__(self, *args, **kwargs):
        from .services import POLICY_LIMITS

        super().__init__(*args, **kwargs)
        for name, (low, high, _) in POLICY_LIMITS.items():
            field = self.fields[name]
            field.widget.attrs.update(min=low, max=high)
            limit = f"等保二级要求：{low}～{high}"
            field.help_text = f"{field.help_text}（{limit}）" if field.help_text else limit
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


class OAuthClientForm(forms.Form):
    """Registering a system that signs in through TEIS (code flow, PKCE S256, RS256 only)."""

    name = forms.CharField(label="应用名称", max_length=255)
    redirect_uris = forms.CharField(
        label="回调地址", widget=forms.Textarea(attrs={"rows": 2}), help_text="每行一个，须与应用发起登录时一致"
    )
    confidential = forms.BooleanField(
        label="机密客户端（服务端应用，持有密钥）",
        required=False,
        initial=True,
        help_text="移动端/浏览器应用请取消勾选",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)
