"""Rule 13 for the working-day calendar's registered models: reference data, written through `calendar_service`."""

import datetime

import pytest

from teis.core.models import CalendarDay, CalendarDayKind, HolidayNotice
from teis.core.testing_mixins import GenericModelTests

pytestmark = pytest.mark.django_db

BASE = datetime.date(2031, 1, 1)


def day(n):
    return BASE + datetime.timedelta(days=n)


class TestCalendarDayGeneric(GenericModelTests):
    model_label = "core.calendarday"
    unique_column = "date"
    lookup_field = "date"
    scoped = False
    filter_exclude = {"source": "依据只作显示（通知文号）"}

    def make_object(self, unit, n):
        return CalendarDay.objects.create(date=day(n), kind=CalendarDayKind.HOLIDAY, name=f"节日{n}", source="测试")

    def form_data(self, ctx, n):
        return {"date": day(n).isoformat(), "kind": CalendarDayKind.HOLIDAY, "name": f"新节日{n}", "source": "国办发"}

    def written(self, value_data):
        return CalendarDay.objects.filter(date=value_data["date"]).exists()


class TestHolidayNoticeGeneric(GenericModelTests):
    model_label = "core.holidaynotice"
    unique_column = "title"
    lookup_field = "title"
    scoped = False
    filter_exclude = {"remark": "备注只作显示"}

    def make_object(self, unit, n):
        return HolidayNotice.objects.create(year=5000 + n, title=f"放假通知{n}", document_number=f"国办发{n}号")

    def form_data(self, ctx, n):
        return {"year": 20000 + n, "title": f"新放假通知{n}", "document_number": f"国办发新{n}号", "remark": ""}
