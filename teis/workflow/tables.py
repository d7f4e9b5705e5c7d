"""What core shows of the workflow engine: the process definitions (read-only list and detail; edited in the
bpmn-js modeler) and their menu entry."""

from django.urls import reverse

from teis.core.registry import MenuEntry, ModelConfig, registry

from .models import ProcessDefinition


@registry.register
class ProcessDefinitionConfig(ModelConfig):
    model = ProcessDefinition
    list_columns = ["key", "name", "version", "is_current", "source", "created_at"]
    detail_fields = [
        "key",
        "name",
        "version",
        "is_current",
        "auto_skip",
        "source",
        "checksum",
        "created_by",
        "created_at",
    ]
    ui_read_only = True  # a new version is made only by the modeler's save (validated, audited)
    api = False  # the modeler has its own endpoints (…/xml/, …/save/)

    @classmethod
    def detail_actions(cls, obj, user):
        if not user.has_perm("workflow.change_processdefinition"):
            return []
        url = reverse("workflow:definition_design", args=[obj.key])
        if not obj.is_current:
            url += f"?version={obj.version}"
        return [("流程设计", url, "bi-bezier2")]


# Every officer may read definitions (VIEW_BASE), but the menu entry is for those who maintain them.
registry.add_menu(
    MenuEntry(
        "流程定义",
        ProcessDefinitionConfig.url_name("list"),
        "workflow.change_processdefinition",
        "系统管理",
        "bi-bezier2",
        60,
    )
)
