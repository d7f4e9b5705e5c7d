"""The working-day calendar pages (系统管理 → 节假日安排), for the system administrator.

- `/core/calendar/?year=2027`: which years' notices are entered, and the days of one year — from the table, or
  for a year without its notice the statutory holidays as computed — with links to add, edit and delete days
  (the generic pages of `core.CalendarDay`). Needs `core.view_calendarday`.
- `/core/calendar/import/`: enter a year's State Council notice from Excel (`core.add_calendarday`).
- `/core/calendar/template/<year>.xlsx`: the import template, filled with that year's statutory holidays.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from . import holidays, workdays
from .models import CalendarDay, HolidayNotice
from .services import ServiceError
from .views import require, xlsx_response

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
WEEKDAYS = "一二三四五六日"


def _year(value: str | None, default: int) -> int:
    try:
        year = int(value or default)
    except ValueError:
        return default
    return year if 2000 <= year <= 2100 else default


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    require(request, "core.view_calendarday")
    today = timezone.localdate()
    year = _year(request.GET.get("year"), today.year)
    notices = {n.year: n for n in HolidayNotice.objects.filter(year__gte=today.year - 2, year__lte=today.year + 2)}
    notice = HolidayNotice.objects.filter(year=year).first()
    rows = [
        {"date": d.date, "weekday": WEEKDAYS[d.date.weekday()], "kind": d.get_kind_display(), "name": d.name,
         "source": d.source, "obj": d}
        for d in CalendarDay.objects.filter(date__year=year).order_by("date")
    ]  # fmt: skip
    computed = []
    if notice is None:
        stored = {r["date"] for r in rows}
        computed = [
            {"date": day, "weekday": WEEKDAYS[day.weekday()], "name": name}
            for day, name in sorted(workdays.statutory_holidays(year).items())
            if day not in stored
        ]
    ctx = {
        "year": year,
        "years": [(y, notices.get(y)) for y in range(today.year - 2, today.year + 3)],
        "notice": notice,
        "rows": rows,
        "computed": computed,
        "workday_count": sum(
            workdays.is_workday(datetime.date(year, 1, 1) + datetime.timedelta(i))
            for i in range((datetime.date(year + 1, 1, 1) - datetime.date(year, 1, 1)).days)
        ),
        "can_add": request.user.has_perm("core.add_calendarday"),
        "can_change": request.user.has_perm("core.change_calendarday"),
        "can_delete": request.user.has_perm("core.delete_calendarday"),
        "note": workdays.UNCOVERED_NOTE,
    }
    return render(request, "core/calendar.html", ctx)


class NoticeImportForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, error_messages={"required": "请填写年度。"})
    title = forms.CharField(
        label="通知名称", max_length=200, error_messages={"required": "请填写通知名称。"},
        help_text="如：国务院办公厅关于2027年部分节假日安排的通知",
    )  # fmt: skip
    document_number = forms.CharField(
        label="文号", max_length=60, required=False, help_text="如：国办发明电〔2026〕7号"
    )
    file = forms.FileField(
        label="Excel 文件",
        help_text="表头：日期、类型（放假/调休上班）、节日。导入后，该年度不在文件中的日期将被删除。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
        error_messages={"required": "请选择要导入的 Excel 文件。", "empty": "上传的文件是空的。"},
    )

    def clean_file(self) -> UploadedFile:
        f: UploadedFile = self.cleaned_data["file"]
        if not (f.name or "").lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的 Excel 文件。")
        if (f.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("文件不能超过 2 MB。")
        return f


@login_required
def calendar_import(request: HttpRequest) -> HttpResponse:
    require(request, "core.add_calendarday")
    today = timezone.localdate()
    initial_year = _year(request.GET.get("year"), today.year + 1)
    if request.method == "POST":
        form = NoticeImportForm(request.POST, request.FILES)
    else:
        form = NoticeImportForm(initial={"year": initial_year, "title": _title(initial_year)})
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = holidays.do_import_notice(
                    request.user, data["year"], data["title"], data["document_number"], data["file"]
                )
            except ServiceError as err:
                form.add_error(None, err.message)
                errors = [e for msgs in err.fields.values() for e in msgs]
            else:
                messages.success(request, f"节假日安排导入成功。{result.summary()}")
                return redirect(reverse("core:calendar") + f"?year={result.year}")
        status = 400
    year = _year(str(form["year"].value() or ""), initial_year)
    ctx = {
        "form": form,
        "errors": errors,
        "template_url": reverse("core:calendar_template", args=[year]),
        "back_url": reverse("core:calendar") + f"?year={year}",
    }
    return render(request, "core/calendar_import.html", ctx, status=status)


def _title(year: int) -> str:
    return f"国务院办公厅关于{year}年部分节假日安排的通知"


@login_required
def calendar_template(request: HttpRequest, year: int) -> HttpResponse:
    require(request, "core.view_calendarday")
    year = _year(str(year), timezone.localdate().year + 1)
    return xlsx_response(holidays.template_xlsx(year), f"{year}年节假日安排模板.xlsx")
