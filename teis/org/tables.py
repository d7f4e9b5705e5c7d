"""What core shows of the organisation models: lists, forms, API, menu (registered at start-up)."""

from teis.core.masking import mask_id_number, mask_phone
from teis.core.registry import MenuEntry, ModelConfig, registry

from .api.serializers import MobileDeviceSerializer, OfficerSerializer, UnitSerializer
from .filters import MobileDeviceFilterSet, OfficerFilterSet, RoleFilterSet, UnitFilterSet
from .forms import MobileDeviceForm, OfficerCreateForm, OfficerForm, RoleForm, UnitForm
from .services import OfficerService, RoleService, UnitService


@registry.register
class UnitConfig(ModelConfig):
    from .models import Unit as model

    filterset = UnitFilterSet
    serializer = UnitSerializer
    form = UnitForm
    service = UnitService()
    list_columns = ["name", "short_name", "unit_type", "parent", "subject_code", "region_code", "is_active"]
    ordering = ["path"]
    menu_label = "单位管理"
    menu_group = "组织人员"
    menu_icon = "bi-diagram-3"
    menu_order = 10


@registry.register
class OfficerConfig(ModelConfig):
    from .models import Officer as model

    filterset = OfficerFilterSet
    serializer = OfficerSerializer
    form = OfficerForm
    create_form = OfficerCreateForm
    service_extra_fields = ["username", "password"]
    service = OfficerService()
    rule_fields_writable = {"status": "在岗/离岗/停用 is personnel data kept by the system administrator"}
    list_columns = [
        "name",
        "badge_number",
        "unit",
        "position",
        "certificate_number",
        "phone",
        "id_number",
        "roles",
        "status",
    ]
    masked_fields = {"id_number": mask_id_number, "phone": mask_phone}
    api_exclude = ["totp_secret"]
    ordering = ["unit__path", "name"]
    menu_label = "人员管理"
    menu_group = "组织人员"
    menu_icon = "bi-people"
    menu_order = 20


@registry.register
class RoleConfig(ModelConfig):
    from .models import Role as model

    filterset = RoleFilterSet
    form = RoleForm
    service = RoleService()
    list_columns = ["code", "name", "data_scope", "admin_kind", "description"]
    menu_label = "角色权限"
    menu_group = "系统管理"
    menu_icon = "bi-person-badge"
    menu_order = 10


@registry.register
class MobileDeviceConfig(ModelConfig):
    from .models import MobileDevice as model

    filterset = MobileDeviceFilterSet
    serializer = MobileDeviceSerializer
    form = MobileDeviceForm
    list_columns = ["owner", "phone_number", "device_id", "imsi", "model_name", "is_active"]
    menu_label = "移动设备"
    menu_group = "系统管理"
    menu_icon = "bi-phone"
    menu_order = 30


registry.add_menu(
    MenuEntry("安全策略", "security_policy", "org.manage_security_policy", "安全管理", "bi-shield-lock", 10)
)
registry.add_menu(
    MenuEntry("登录记录", "login_attempts", "org.manage_security_policy", "安全管理", "bi-box-arrow-in-right", 20)
)
registry.add_menu(MenuEntry("登录锁定", "login_locks", "org.manage_security_policy", "安全管理", "bi-lock", 30))
registry.add_menu(
    MenuEntry("单点登录接入", "oauth_clients", "oauth2_provider.view_application", "系统管理", "bi-key", 40)
)
registry.add_menu(
    MenuEntry(
        "审计、安全管理员账号", "auditor_accounts", "org.manage_security_policy", "安全管理", "bi-person-lock", 40
    )
)
