"""Excel export and import of one dictionary type (字典导入导出).

`/core/dictionaries/<type_code>/export/` needs `core.view_dictionaryitem`; `/core/dictionaries/<type_code>/
import/` needs `core.change_dictionaryitem`. Both are audited: the export as a security event, the import
item by item through `DictionaryService`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from . import dictionaries
from .models import DictionaryType
from .services import ServiceError
from .views import require, xlsx_response

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class DictionaryImportForm(forms.Form):
    file = forms.FileField(
        label="Excel 文件",
        help_text="第一行为表头：编码、名称、上级编码、排序、启用（是/否）。已有编码将被更新，新编码将被新增。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
        error_messages={"required": "请选择要导入的 Excel 文件。", "empty": "上传的文件是空的。"},
    )

    def clean_file(self) -> UploadedFile:
        f: UploadedFile = self.cleaned_data["file"]
        if not (f.name or "").lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的 Excel 文件。")
        if (f.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("文件不能超过 5 MB。")
        return f


@login_required
def dictionary_export(request: HttpRequest, type_code: str) -> HttpResponse:
    from teis.core.choices import AuditAction
    from teis.core.ports import audit

    require(request, "core.view_dictionaryitem")
    dict_type = get_object_or_404(DictionaryType, code=type_code)
    content = dictionaries.export_xlsx(type_code)
    audit.record(
        request.user,
        AuditAction.EXPORT,
        dict_type,
        detail={"model": "core.dictionaryitem", "dict_type": type_code, "rows": dict_type.items.count()},
    )
    return xlsx_response(content, f"字典_{dict_type.name}_{timezone.localtime():%Y%m%d%H%M}.xlsx")


@login_required
def dictionary_import(request: HttpRequest, type_code: str) -> HttpResponse:
    require(request, "core.change_dictionaryitem")
    dict_type = get_object_or_404(DictionaryType, code=type_code)
    # bound on every POST, even an empty one (no file chosen): it must say so, not show the blank form again
    form = DictionaryImportForm(request.POST, request.FILES) if request.method == "POST" else DictionaryImportForm()
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = dictionaries.do_import_xlsx(request.user, type_code, form.cleaned_data["file"])
            except ServiceError as err:
                form.add_error(None, err.message)
                errors = [e for msgs in err.fields.values() for e in msgs]
            else:
                messages.success(request, f"字典“{dict_type.name}”导入成功。{result.summary()}")
                return redirect(reverse("core:dictionaryitem_list") + f"?dict_type={dict_type.pk}")
        status = 400
    ctx = {
        "form": form,
        "dict_type": dict_type,
        "errors": errors,
        "export_url": reverse("core:dictionary_export", args=[type_code]),
        "list_url": reverse("core:dictionaryitem_list") + f"?dict_type={dict_type.pk}",
    }
    return render(request, "core/dictionary_import.html", ctx, status=status)
