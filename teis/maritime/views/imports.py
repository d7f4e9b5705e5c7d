"""信息导入: one upload page per kind (船员, 港口, 水上交通事故, 应急综合信息, 船舶登记信息) with its template workbook.

The same services and permissions as the API (`RegistryImportView`, `InfoImportView`): the service checks the file,
refuses it whole when a row is bad (the page lists every row's message), writes and audits."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from teis.core.services import ServiceError
from teis.core.views import deny, require, xlsx_response

from ..services.import_templates import KINDS, ImportKind, kinds_for, template_xlsx

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class InfoUploadForm(forms.Form):
    file = forms.FileField(
        label="Excel 文件",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
        error_messages={"required": "请选择要导入的 Excel 文件。"},
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）。")
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("文件不能超过 10 MB。")
        return f


def _kind(request, kind: str) -> ImportKind:
    spec = KINDS.get(kind)
    if spec is None:
        raise Http404
    require(request, spec.permission)
    return spec


@login_required
def import_index(request):
    """The menu's entry: the first kind this user may import."""
    allowed = kinds_for(request.user)
    if not allowed:
        deny(request, "maritime.add_crewmember")
    return redirect("maritime:info_import", kind=allowed[0].kind)


@login_required
def info_import(request, kind: str):
    spec = _kind(request, kind)
    form = InfoUploadForm(request.POST, request.FILES) if request.method == "POST" else InfoUploadForm()
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                summary = spec.run(request.user, form.cleaned_data["file"])
            except ServiceError as err:
                form.add_error(None, err.message)
                errors = [e for msgs in err.fields.values() for e in msgs]
            else:
                messages.success(request, f"{spec.label}导入成功：{summary}。")
                return redirect(spec.list_url_name)
        status = 400
    ctx = {
        "form": form,
        "spec": spec,
        "kinds": kinds_for(request.user),
        "errors": errors,
        "list_url": reverse(spec.list_url_name),
    }
    return render(request, "maritime/info_import.html", ctx, status=status)


@login_required
def info_import_template(request, kind: str):
    spec = _kind(request, kind)
    return xlsx_response(template_xlsx(spec), f"{spec.label}导入模板_{timezone.localdate():%Y%m%d}.xlsx")


urlpatterns = [
    path("import/", import_index, name="import_index"),
    path("import/<slug:kind>/", info_import, name="info_import"),
    path("import/<slug:kind>/template/", info_import_template, name="info_import_template"),
]
