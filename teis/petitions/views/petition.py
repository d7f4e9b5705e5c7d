"""Petition pages: 登记 (/petitions/new/, with the HTMX duplicate check), the petition page (/petitions/<pk>/) with the
step the user may do and 督察 (the declared actions of `tables.py`, posted to the page), case links, attachments,
revealing personal data. Thin: every write is a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import actions
from teis.core.files import file_response
from teis.core.services import ServiceError
from teis.core.storage import get_storage
from teis.core.views import require

from .. import steps
from ..choices import PetitionStatus, Satisfaction
from ..forms import RegisterForm, apply_service_errors
from ..services import flow, intake

VIEW = "petitions.view_petition"
REVEAL_PERMISSION = "org.reveal_personal_data"
HANDLE = "petitions.handle_petition"


@login_required
def register(request):
    require(request, "petitions.add_petition")
    duplicate_url = reverse("petitions:duplicates")
    form = RegisterForm(request.POST or None, request.FILES or None, duplicate_url=duplicate_url)
    status = 200
    duplicates = []
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "files"}
            try:
                petition = intake.do_register(request.user, data, form.cleaned_data.get("files") or [])
            except ServiceError as err:
                apply_service_errors(err, form)
            else:
                messages.success(request, f"信访件 {petition.code} 已登记，当前环节：{petition.current_step or '—'}。")
                return redirect("petitions:petition_page", pk=petition.pk)
        duplicates = intake.find_duplicates(
            request.user,
            phone=request.POST.get("complainant_phone", ""),
            id_number=request.POST.get("complainant_id_number", ""),
            plate=request.POST.get("subject_plate", ""),
        )
    return render(request, "petitions/register.html", {"form": form, "duplicates": duplicates}, status=status)


@login_required
@require_POST
def duplicates(request):
    """HTMX: possible duplicates of what is being registered (same complainant or plate within 30 days)."""
    require(request, VIEW)
    rows = intake.find_duplicates(
        request.user,
        phone=request.POST.get("complainant_phone", ""),
        id_number=request.POST.get("complainant_id_number", ""),
        plate=request.POST.get("subject_plate", ""),
    )
    return render(request, "petitions/_duplicates.html", {"duplicates": rows, "checked": True})


def _supervisions(user, petition) -> list:
    rows = list(petition.supervisions.select_related("supervisor", "unit", "explained_by", "process"))
    label = "petitions.petitionsupervision"
    explain, review, send_back = (actions.get(label, n) for n in ("explain", "supervise", "supervise_return"))
    for s in rows:
        s.can_explain = explain.available_to(user, s)
        s.can_review = review.available_to(user, s)
        s.can_return = send_back.available_to(user, s)
    return rows


def _page_context(request, petition) -> dict:
    user = request.user
    # the steps whose forms the page shows: the user's tasks, for a holder of the actions' permission
    steps_offered = flow.available_actions(user, petition) if user.has_perm(HANDLE) else set()
    ctx = {
        "petition": petition,
        "masked": intake.masked_personal(petition),
        "can_reveal": user.has_perm(REVEAL_PERMISSION),
        "attachments": list(petition.attachments.select_related("uploaded_by")),
        "cases": list(petition.cases.all().order_by("-pk")),
        "supervisions": _supervisions(user, petition),
        "can_supervise": user.has_perm("petitions.change_petitionsupervision"),
        "can_change": user.has_perm("petitions.change_petition"),
        "duplicates": intake.find_duplicates(
            user,
            phone=petition.complainant_phone,
            id_number=petition.complainant_id_number,
            plate=petition.subject_plate,
            exclude_pk=petition.pk,
            now=petition.registered_at,
        ),
        "actions": steps_offered,
        "declared": {a.name: a for a in actions.for_model("petitions.petition")},  # confirmation texts
        "steps": steps,
        "tasks": flow.active_tasks(petition),
        "satisfactions": Satisfaction.choices,
    }
    if steps_offered & {steps.DISPATCH, steps.HANDLE}:
        ctx["reachable_units"] = list(flow.reachable_units(user))
    return ctx


@login_required
def petition_page(request, pk: int):
    require(request, VIEW)
    petition = intake.access_petition(request.user, pk)
    if request.method == "POST":
        return _run_action(request, petition)
    return render(request, "petitions/petition_detail.html", _page_context(request, petition))


def _run_action(request, petition):
    """A declared action (`tables.py`: a step of the flow, or 督察 on one of the petition's supervisions, named by
    `supervision`) from the page's forms, through `Action.perform`: the same checks as the API action and the
    generic detail page. A refusal re-renders the page with the service's message."""
    label, obj = "petitions.petition", petition
    sup_pk = request.POST.get("supervision", "")
    if sup_pk:
        label = "petitions.petitionsupervision"
        obj = petition.supervisions.filter(pk=sup_pk).first() if sup_pk.isdigit() and len(sup_pk) < 12 else None
        if obj is None:
            raise Http404
    act = actions.get(label, request.POST.get("_action", ""))
    if act is None:
        raise Http404
    require(request, act.permission)
    data = {k.removeprefix(f"{act.name}-"): v for k, v in request.POST.items()}  # the generic form's prefix too
    try:
        result = act.perform(request.user, obj, data)
    except ServiceError as err:
        details = [m for ms in err.fields.values() for m in ms]
        messages.error(request, "；".join(details) if err.code == "invalid" and details else err.message)
        ctx = _page_context(request, intake.access_petition(request.user, petition.pk))
        return render(request, "petitions/petition_detail.html", ctx, status=400)
    done = act.extra.get("done") or f"{act.label}：已完成"
    if act.name == "visit" and result.status != PetitionStatus.CLOSED:
        done = f"已记录回访：不满意，信访件重办（第 {result.redo_count} 次），办结期限 {result.finish_due:%Y-%m-%d}"
    messages.success(request, done + "。")
    return redirect("petitions:petition_page", pk=petition.pk)


@login_required
@require_POST
def link_case(request, pk: int):
    require(request, "petitions.change_petition")
    petition = intake.access_petition(request.user, pk)
    try:
        case = flow.do_link_case(request.user, petition, request.POST.get("case", ""))
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, f"已关联案件：{case}")
    return redirect("petitions:petition_page", pk=pk)


@login_required
@require_POST
def unlink_case(request, pk: int, case_pk: int):
    require(request, "petitions.change_petition")
    petition = intake.access_petition(request.user, pk)
    try:
        flow.do_unlink_case(request.user, petition, case_pk)
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, "已取消关联。")
    return redirect("petitions:petition_page", pk=pk)


@login_required
@require_POST
def add_attachments(request, pk: int):
    require(request, "petitions.change_petition")
    petition = intake.access_petition(request.user, pk)
    try:
        rows = intake.do_add_attachments(request.user, petition, request.FILES.getlist("files"))
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, f"已上传 {len(rows)} 个附件。")
    return redirect("petitions:petition_page", pk=pk)


@login_required
@require_POST
def reveal(request, pk: int, field: str):
    """A complainant's personal datum in clear, for a user with the reveal permission; always audited."""
    if field not in intake.PERSONAL_MASKS:
        raise Http404
    require(request, REVEAL_PERMISSION)
    petition = intake.access_petition(request.user, pk)
    audit.record(request.user, AuditAction.REVEAL, petition, detail={"field": field})
    return JsonResponse({"value": getattr(petition, field)})


@login_required
def attachment(request, pk: int, attachment_pk: int):
    require(request, VIEW)
    petition = intake.access_petition(request.user, pk)
    att = petition.attachments.filter(pk=attachment_pk).first()
    if att is None:
        raise Http404
    try:
        handle = get_storage().open(att.file_name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return file_response(handle, content_type=att.content_type, filename=att.original_name)


@login_required
def petition_redirect(request, pk: int):
    require(request, VIEW)
    intake.access_petition(request.user, pk)
    return redirect("petitions:petition_page", pk=pk)


urlpatterns = [
    path("new/", register, name="register"),
    path("duplicates/", duplicates, name="duplicates"),
    path("<int:pk>/", petition_page, name="petition_page"),
    path("<int:pk>/cases/", link_case, name="link_case"),
    path("<int:pk>/cases/<int:case_pk>/unlink/", unlink_case, name="unlink_case"),
    path("<int:pk>/attachments/", add_attachments, name="add_attachments"),
    path("<int:pk>/attachments/<int:attachment_pk>/", attachment, name="attachment"),
    path("<int:pk>/reveal/<slug:field>/", reveal, name="reveal"),
    path("petition/<int:pk>/", petition_redirect, name="petition_redirect"),
]
