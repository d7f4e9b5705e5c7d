"""The bpmn-js modeler page for process definitions and the diagram data of a running instance.

Thin: saving goes through `services.do_save_definition` (validation, versioning, audit); reading an instance's
diagram is scoped like the task page (404 outside the user's reach).
"""

from __future__ import annotations

import json
import re

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from teis.core.services import ServiceError
from teis.core.views import require

from . import bpmn, services
from .choices import TaskStatus, UnitRelation
from .models import ProcessDefinition, ProcessInstance, WorkTask

CHANGE_PERM = "workflow.change_processdefinition"
VIEW_PERM = "workflow.view_processdefinition"
ACTIVE = (TaskStatus.OPEN, TaskStatus.CLAIMED, TaskStatus.SUSPENDED)
# bpmn.py phrases every refusal about one element as "元素 <id>：<原因>".
ELEMENT_RE = re.compile(r"^元素 (\S+?)：")
MAX_XML_BYTES = 2 * 1024 * 1024


def _versions(key: str):
    qs = ProcessDefinition.objects.filter(key=key).select_related("created_by").order_by("-version")
    versions = list(qs.defer("bpmn_xml"))
    if not versions:
        raise Http404
    return versions


def _pick(versions, value) -> ProcessDefinition:
    """The version asked for in `?version=` (default: the current one); a bad value is a 404."""
    if value in (None, ""):
        return next((v for v in versions if v.is_current), versions[0])
    for v in versions:
        if str(v.version) == str(value):
            return v
    raise Http404


def _role_choices() -> list[dict]:
    from teis.org.models import Role
    from teis.org.roles import all_role_defs

    names = {d.code: d.name for d in all_role_defs()}
    names.update(dict(Role.objects.values_list("code", "name")))
    return [{"code": code, "name": names.get(code, code)} for code in sorted(bpmn.known_roles())]


@login_required
@require_GET
def definition_design(request, key: str):
    """The modeler (current version, editable) or a read-only view of an older version (`?version=N`)."""
    require(request, CHANGE_PERM)
    versions = _versions(key)
    shown = _pick(versions, request.GET.get("version"))
    current = next((v for v in versions if v.is_current), versions[0])
    config = {
        "key": key,
        "version": shown.version,
        "readOnly": shown.pk != current.pk,
        "xmlUrl": reverse("workflow:definition_xml", args=[key]) + f"?version={shown.version}",
        "saveUrl": reverse("workflow:definition_save", args=[key]),
        "roles": _role_choices(),
        "units": [{"code": u.value, "name": str(u.label)} for u in UnitRelation],
        "forms": sorted(bpmn.FORMS),
    }
    ctx = {"key": key, "versions": versions, "shown": shown, "current": current, "modeler_config": config}
    return render(request, "workflow/modeler.html", ctx)


@login_required
@require_GET
def definition_xml(request, key: str):
    """The BPMN XML of the current version (or `?version=N`)."""
    if not request.user.has_perm(CHANGE_PERM):
        require(request, VIEW_PERM)
    shown = _pick(_versions(key), request.GET.get("version"))
    xml = ProcessDefinition.objects.values_list("bpmn_xml", flat=True).get(pk=shown.pk)
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["X-Process-Version"] = str(shown.version)
    return response


def _error(code: str, message: str, fields: dict | None = None, status: int = 400, element: str = "") -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": message, "fields": fields or {}, "element": element},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
@require_POST
def definition_save(request, key: str):
    """Save the modeler's XML as a new version. Body: JSON {"xml": "..."} or form field `bpmn_xml`.
    200 {"version", "unchanged", "message"}; 400 {"code", "message", "fields", "element"} naming the element."""
    require(request, CHANGE_PERM)
    previous = _versions(key)
    current = next((v for v in previous if v.is_current), previous[0])
    if len(request.body) > MAX_XML_BYTES:
        return _error("too_large", "流程定义过大（上限 2 MB）", {"bpmn_xml": ["流程定义过大"]})
    if request.content_type == "application/json":
        try:
            payload = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _error("invalid_json", "请求内容不是合法的 JSON", {"xml": ["请求内容不是合法的 JSON"]})
        xml = payload.get("xml") if isinstance(payload, dict) else None
    else:
        xml = request.POST.get("bpmn_xml")
    if not isinstance(xml, str) or not xml.strip():
        return _error("invalid_bpmn", "BPMN 定义为空", {"bpmn_xml": ["BPMN 定义为空"]})
    try:
        definition = services.do_save_definition(request.user, key, xml)
    except ServiceError as err:
        match = ELEMENT_RE.match(err.message)
        return _error(err.code, err.message, err.fields, element=match.group(1) if match else "")
    unchanged = definition.pk == current.pk
    message = f"内容未变化，仍为第 {definition.version} 版" if unchanged else f"已保存为第 {definition.version} 版"
    return JsonResponse(
        {"version": definition.version, "id": definition.pk, "unchanged": unchanged, "message": message},
        json_dumps_params={"ensure_ascii": False},
    )


def access_instance(user, pk) -> ProcessInstance:
    """An instance the user may see: in their data scope (with the view permission), or one they have a task
    on (offered to them, claimed, or acted on) — the same reach as the task page. Anything else: 404."""
    instance = get_object_or_404(ProcessInstance.objects.select_related("definition"), pk=pk)
    if user.has_perm("workflow.view_processinstance") and (
        ProcessInstance.objects.for_user(user).filter(pk=instance.pk).exists()
    ):
        return instance
    mine = Q(completed_by=user) | Q(assignee=user) | services._todo_q(user)
    if WorkTask.objects.filter(mine, instance=instance).exists():
        return instance
    raise Http404


def diagram_data(instance: ProcessInstance) -> dict:
    """The instance's definition XML and its node ids: `current` (open tasks) and `done` (completed steps)."""
    rows = instance.tasks.exclude(status=TaskStatus.CANCELLED).values_list("spec_name", "status")
    current = sorted({name for name, status in rows if status in ACTIVE})
    done = sorted({name for name, status in rows if status == TaskStatus.COMPLETED} - set(current))
    return {
        "xml": instance.definition.bpmn_xml,
        "key": instance.definition.key,
        "name": instance.definition.name,
        "version": instance.definition.version,
        "status": instance.status,
        "current": current,
        "done": done,
    }


@login_required
@require_GET
def instance_diagram(request, pk: int):
    """{"xml", "current": [ids], "done": [ids], ...} for the bpmn-js viewer; 404 outside the user's reach."""
    return JsonResponse(diagram_data(access_instance(request.user, pk)), json_dumps_params={"ensure_ascii": False})


urlpatterns = [
    path("definitions/<slug:key>/design/", definition_design, name="definition_design"),
    path("definitions/<slug:key>/xml/", definition_xml, name="definition_xml"),
    path("definitions/<slug:key>/save/", definition_save, name="definition_save"),
    path("instances/<int:pk>/diagram/", instance_diagram, name="instance_diagram"),
]
