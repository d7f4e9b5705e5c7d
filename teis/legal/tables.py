"""What core shows of the legal knowledge base: lists, forms, API, menu."""

from teis.core.registry import ModelConfig, registry

from .models import CaseCause, DiscretionBenchmark, Law, Provision, ViolationCode


class LegalConfig(ModelConfig):
    menu_group = "法律法规"


@registry.register
class LawConfig(LegalConfig):
    model = Law
    list_columns = [
        "name",
        "file_number",
        "effect_level",
        "validity",
        "issuing_authority",
        "promulgated_on",
        "effective_on",
    ]
    form_fields = [
        "name",
        "file_number",
        "effect_level",
        "validity",
        "issuing_authority",
        "promulgated_on",
        "effective_on",
        "abolished_on",
        "inclusion_reason",
        "entry_unit",
        "preamble",
        "data_source",
        "remark",
        "business_lines",
        "is_abridged",
    ]
    menu_label = "法律法规库"
    menu_icon = "bi-book"
    menu_order = 10


@registry.register
class ProvisionConfig(LegalConfig):
    model = Provision
    ui_read_only = True
    api_read_only = True
    list_columns = ["citation", "level", "status", "effective_from", "effective_to"]


@registry.register
class ViolationCodeConfig(LegalConfig):
    model = ViolationCode
    list_columns = [
        "code",
        "version",
        "name",
        "business_line",
        "enforcement_subject",
        "fine_min",
        "fine_max",
        "simplified_procedure",
        "status",
        "legal_change_flag",
    ]
    menu_label = "违章代码"
    menu_icon = "bi-upc"
    menu_order = 20


@registry.register
class CaseCauseConfig(LegalConfig):
    model = CaseCause
    list_columns = ["cause_code", "name", "item_type", "status", "is_deleted", "modified_at", "legal_change_flag"]
    menu_label = "执法案由目录"
    menu_icon = "bi-diagram-2"
    menu_order = 30


@registry.register
class DiscretionBenchmarkConfig(LegalConfig):
    model = DiscretionBenchmark
    list_columns = ["name", "violation_code", "effective_from", "is_active", "legal_change_flag"]
    menu_label = "自由裁量基准"
    menu_icon = "bi-sliders"
    menu_order = 40
