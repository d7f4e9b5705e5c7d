"""Case pages: 案件预登记 (/cases/new/), the case page (/cases/<pk>/), 我的案件 (/cases/mine/), 立案, revealing a
party's personal data and downloading an attachment. Thin: every write goes through the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.files import file_response
from teis.core.masking import mask_generic, mask_id_number, mask_name, mask_phone
from teis.core.services import ServiceError
from teis.core.storage import get_storage
from teis.core.views import paginate, require

from ..choices import CaseRequestKind
from ..forms import PartyFormSet, PreRegisterForm, VehicleFormSet, apply_service_errors, formset_rows
from ..services import case as case_services
from ..services import correction as corrections
from ..services import intake
from ..services import record as record_services
from ..services import requests as requests_service
from .objects import side_context

REVEAL_PERMISSION = "org.reveal_personal_data"
PARTY_MASKS = {"id_number": mask_id_number, "phone": mask_phone, "address": lambda v: mask_generic(v, 6, 0)}


def party_rows(parties, user) -> list[dict]:
    """Parties as shown: personal data masked unless the user may reveal it (then the reveal button)."""
    can_reveal = user.has_perm(REVEAL_PERMISSION)
    rows = []
    for p in parties:
        masked = {name: mask(getattr(p, name)) if getattr(p, name) else "" for name, mask in PARTY_MASKS.items()}
        rows.append({"party": p, "masked": masked, "can_reveal": can_reveal, "name": p.name})
    return rows


@login_required
def pre_register(request):
    require(request, "cases.add_enforcementcase")
    bound = request.method == "POST"
    form = PreRegisterForm(request.POST or None, request.FILES or None, user=request.user)
    parties = PartyFormSet(request.POST if bound else None, prefix="parties")
    vehicles = VehicleFormSet(request.POST if bound else None, prefix="vehicles")
    status = 200
    if bound:
        status = 400
        if form.is_valid() and parties.is_valid() and vehicles.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "files"}
            data["violation_codes"] = list(data.get("violation_codes") or [])
            data["parties"] = formset_rows(parties)
            data["vehicles"] = formset_rows(vehicles)
            try:
                case = intake.do_pre_register(request.user, data, form.cleaned_data.get("files") or [])
            except ServiceError as err:
                apply_service_errors(err, form, {"parties": parties, "vehicles": vehicles})
            else:
                messages.success(request, f"案件“{case.title}”已预登记，当前环节：{case.current_step or '—'}。")
                url = reverse("cases:case_detail", args=[case.pk])
                if request.htmx:
                    response = render(request, "cases/pre_register_done.html", {"case": case})
                    response["HX-Redirect"] = url
                    return response
                return redirect(url)
    ctx = {"form": form, "parties": parties, "vehicles": vehicles}
    template = "cases/pre_register_form.html" if request.htmx else "cases/pre_register.html"
    return render(request, template, ctx, status=status)


@login_required
def case_detail(request, pk: int):
    require(request, "cases.view_enforcementcase")
    case = case_services.access_case(request.user, pk)
    ctx = {
        "case": case,
        "parties": party_rows(case.parties.all(), request.user),
        "vehicles": list(case.vehicles.all()),
        "properties": list(case.properties.select_related("keeper_unit")),
        "attachments": list(case.attachments.select_related("uploaded_by")),
        "legal_basis": case_services.legal_basis(case),
        "warnings": list(case.warnings.filter(is_open=True)),
        "tasks": case_services.current_tasks_for(request.user, case),
        "can_file": _can_file(request.user, case),
        "mask_name": mask_name,
        **record_services.record_context(case),
        "corrections": [
            _labelled(c) for c in case.corrections.select_related("created_by__officer", "decided_by__officer")
        ],
        "correction_open": corrections.is_decided(case),
        "case_requests": list(case.requests.select_related("created_by__officer", "decided_by__officer")),
        "request_kinds": CaseRequestKind.choices,
        "can_request": request.user.has_perm("cases.add_caserequest") and case.status not in requests_service.CLOSED,
        "correctable": corrections.correctable_for(case),
    }
    ctx.update(side_context(request.user, case))  # property, parking, overload, on-spot decision
    return render(request, "cases/case_detail.html", ctx)


def _labelled(correction):
    correction.field_label = corrections.label_of(correction.field)
    return correction


def task_case_panel(request, worktask) -> str:
    """The case on its workflow task page (`teis.workflow.services.register_subject_panel`): parties masked,
    facts, evidence, the record so far and the documents of the step, with a link to the case page."""
    from django.template.loader import render_to_string

    from ..steps import required_documents

    try:
        case = case_services.access_case(request.user, worktask.instance.subject_id)
    except Http404:
        return ""
    ctx = {
        "case": case,
        "parties": party_rows(case.parties.all(), request.user),
        "documents": required_documents(worktask.spec_name),
        "step": worktask.spec_name,  # the documents app's 生成文书 panel
        **record_services.record_context(case),
    }
    return render_to_string("cases/_task_case.html", ctx, request=request)


def _can_file(user, case) -> bool:
    """报请立案审批: only while the case waits at 案件预登记."""
    if case.status != "pre_registered" or not case.process_id:
        return False
    try:
        intake.check_can_handle(user, case)
    except ServiceError:
        return False
    return True


@login_required
def case_redirect(request, pk: int):
    require(request, "cases.view_enforcementcase")
    case_services.access_case(request.user, pk)  # 404 outside the user's scope, like the case page
    return redirect("cases:case_detail", pk=pk)


@login_required
@require_POST
def file_case(request, pk: int):
    require(request, "cases.view_enforcementcase")
    case = case_services.access_case(request.user, pk)
    try:
        case = intake.do_submit_for_filing(request.user, case)
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, f"已报请立案审批，当前环节：{case.current_step or '—'}。审批同意后自动立案赋码。")
    return redirect("cases:case_detail", pk=pk)


@login_required
def my_cases(request):
    require(request, "cases.view_enforcementcase")
    page = paginate(request, case_services.my_cases(request.user))
    template = "cases/case_mine_table.html" if request.htmx else "cases/case_mine.html"
    return render(request, template, {"page": page})


@login_required
@require_POST
def reveal_party(request, pk: int, party_pk: int, field: str):
    """A party's personal datum in clear, for a user with the reveal permission; always audited."""
    if field not in PARTY_MASKS:
        raise Http404
    require(request, REVEAL_PERMISSION)
    case = case_services.access_case(request.user, pk)
    party = case.parties.filter(pk=party_pk).first()
    if party is None:
        raise Http404
    audit.record(request.user, AuditAction.REVEAL, party, detail={"field": field, "case": case.pk})
    return JsonResponse({"value": getattr(party, field)})


@login_required
def attachment(request, pk: int, attachment_pk: int):
    require(request, "cases.view_enforcementcase")
    case = case_services.access_case(request.user, pk)
    att = case.attachments.filter(pk=attachment_pk).first()
    if att is None:
        raise Http404
    storage = get_storage()
    try:
        handle = storage.open(att.file_name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return file_response(handle, content_type=att.content_type, filename=att.original_name)


@login_required
@require_POST
def request_correction(request, pk: int):
    """申请更正 (after the decision): the case page's form."""
    require(request, "cases.view_enforcementcase")
    case = case_services.access_case(request.user, pk)
    try:
        corrections.do_request_correction(
            request.user,
            case,
            request.POST.get("field", ""),
            request.POST.get("new_value", ""),
            request.POST.get("reason", ""),
        )
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, "更正申请已提交，待大队长或总队领导审批。")
    return redirect("cases:case_detail", pk=pk)


@login_required
@require_POST
def decide_correction(request, pk: int, correction_pk: int, verdict: str):
    require(request, "cases.view_enforcementcase")
    case = case_services.access_case(request.user, pk)
    correction = case.corrections.filter(pk=correction_pk).first()
    if correction is None or verdict not in ("approve", "reject"):
        raise Http404
    try:
        corrections.do_decide_correction(
            request.user, correction, verdict == "approve", request.POST.get("opinion", "")
        )
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, "已批准更正。" if verdict == "approve" else "已驳回更正申请。")
    return redirect("cases:case_detail", pk=pk)


def register_panels() -> None:
    from teis.workflow.services import register_subject_panel

    for key in case_services.CASE_PROCESS_KEYS:
        register_subject_panel(key, task_case_panel)


urlpatterns = [
    path("new/", pre_register, name="pre_register"),
    path("mine/", my_cases, name="my_cases"),
    path("<int:pk>/", case_detail, name="case_detail"),
    path("<int:pk>/file/", file_case, name="file_case"),
    path("<int:pk>/corrections/", request_correction, name="request_correction"),
    path("<int:pk>/corrections/<int:correction_pk>/<slug:verdict>/", decide_correction, name="decide_correction"),
    path("<int:pk>/parties/<int:party_pk>/reveal/<slug:field>/", reveal_party, name="reveal_party"),
    path("<int:pk>/attachments/<int:attachment_pk>/", attachment, name="attachment"),
    path("enforcementcase/<int:pk>/", case_redirect, name="case_redirect"),
]
