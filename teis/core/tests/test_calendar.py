"""The working-day calendar the system administrator maintains (节假日安排, issue 15 §5): the page, add / edit /
delete through the audited service, the Excel import of a State Council notice (bad rows named, nothing saved),
the reminder todo from 1 October, the "未含调休安排" mark, and that counting makes no query per day."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import Workbook, load_workbook

from teis.audit.models import AuditRecord
from teis.core import holidays, workdays
from teis.core.holidays import calendar_service
from teis.core.models import CalendarDay, HolidayNotice, TodoItem, TodoStatus
from teis.core.services import ServiceError
from teis.core.templatetags.workdays_tags import workdays_note
from teis.core.testing import logged_in_client


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def xlsx(rows, header=("日期", "类型", "节日")) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "notice.xlsx"
    return buf


# A plausible 2027 arrangement: 春节 2-5 (除夕) to 2-12 with the Saturdays before and after worked.
NOTICE_2027 = [
    (d("2027-01-01"), "放假", "元旦"),
    *[(d("2027-02-05") + datetime.timedelta(days=i), "放假", "春节") for i in range(8)],
    (d("2027-01-30"), "调休上班", "春节"),
    ("2027-02-20", "调休上班", "春节"),
]


# --- the service and the snapshot ---------------------------------------------------------------------------


def test_a_day_written_through_the_service_counts_at_once_and_is_audited(sysadmin):
    monday = d("2027-03-01")
    assert workdays.is_workday(monday)
    day = calendar_service.do_create(sysadmin, CalendarDay, {"date": monday, "kind": "holiday", "name": "测试"})
    assert not workdays.is_workday(monday)
    assert AuditRecord.objects.filter(action="create", object_type="core.calendarday", object_id=str(day.pk)).exists()
    calendar_service.do_update(sysadmin, day, {"name": "改名"})
    assert AuditRecord.objects.filter(action="update", object_id=str(day.pk)).exists()
    calendar_service.do_delete(sysadmin, day)
    assert workdays.is_workday(monday)
    assert AuditRecord.objects.filter(action="delete", object_type="core.calendarday").exists()


def test_a_swapped_working_day_must_be_a_weekend_day(sysadmin):
    with pytest.raises(ServiceError) as err:
        calendar_service.do_create(sysadmin, CalendarDay, {"date": d("2027-03-01"), "kind": "workday"})
    assert err.value.code == "calendar_workday_weekday"
    assert not CalendarDay.objects.filter(date=d("2027-03-01")).exists()


def test_counting_a_deadline_makes_no_query_per_day(db, django_assert_num_queries):
    workdays.add_workdays(d("2026-12-07"), 1)  # warm the snapshot
    with django_assert_num_queries(0):
        assert workdays.add_workdays(d("2026-12-07"), 250) == d("2027-12-01")
        assert workdays.workdays_between(d("2020-01-01"), d("2028-12-31")) > 2000
    workdays.forget()
    with django_assert_num_queries(2):  # cold: the days and the noticed years, once
        workdays.add_workdays(d("2026-12-07"), 250)


def test_the_workflow_deadline_costs_at_most_the_snapshot_load(db, django_assert_max_num_queries):
    from teis.workflow.services import deadline_after

    workdays.forget()
    with django_assert_max_num_queries(2):
        assert deadline_after(d("2026-12-07"), 30) == d("2027-01-19")
        assert deadline_after(d("2026-12-07"), 60) > d("2027-02-12")


# --- the import -----------------------------------------------------------------------------------------------


def test_import_enters_the_notice_and_the_swaps(sysadmin):
    assert not workdays.is_workday(d("2027-02-05"))  # 除夕, computed
    assert not workdays.is_workday(d("2027-01-30"))  # a Saturday
    result = holidays.do_import_notice(
        sysadmin, 2027, "国务院办公厅关于2027年部分节假日安排的通知", "国办发明电〔2026〕9号", xlsx(NOTICE_2027)
    )
    assert (result.created, result.updated, result.removed) == (11, 0, 0)
    assert 2027 in workdays.noticed_years()
    assert workdays.is_workday(d("2027-01-30")) and workdays.is_workday(d("2027-02-20"))
    assert not workdays.is_workday(d("2027-02-12"))  # a day off of the notice beyond the statutory four
    # the year now rests on its notice: 清明 is off only if the notice says so (this test file's notice does not)
    assert workdays.is_workday(d("2027-04-05"))
    assert workdays.covered(d("2026-12-07"), d("2027-01-19"))
    notice = HolidayNotice.objects.get(year=2027)
    assert notice.document_number == "国办发明电〔2026〕9号"
    assert CalendarDay.objects.get(date=d("2027-01-30")).source == "国办发明电〔2026〕9号"
    assert AuditRecord.objects.filter(action="create", object_type="core.calendarday").count() == 11
    assert AuditRecord.objects.filter(action="create", object_type="core.holidaynotice").count() == 1


def test_reimport_replaces_the_years_days(sysadmin):
    holidays.do_import_notice(sysadmin, 2027, "通知", "国办发明电〔2026〕9号", xlsx(NOTICE_2027))
    fewer = [r for r in NOTICE_2027 if r[0] != d("2027-02-12")]
    fewer[0] = (d("2027-01-01"), "放假", "新年")
    result = holidays.do_import_notice(sysadmin, 2027, "通知（更正）", "国办发明电〔2026〕9号", xlsx(fewer))
    assert (result.created, result.updated, result.removed) == (0, 1, 1)
    assert not CalendarDay.objects.filter(date=d("2027-02-12")).exists()
    assert HolidayNotice.objects.get(year=2027).title == "通知（更正）"
    assert AuditRecord.objects.filter(action="delete", object_type="core.calendarday").count() == 1


def test_bad_rows_are_named_and_nothing_is_imported(sysadmin):
    rows = [
        (d("2027-01-01"), "放假", "元旦"),
        ("2027-13-01", "放假", "春节"),  # no such date
        (d("2027-02-08"), "调休上班", "春节"),  # a Monday cannot be a swapped working day
        (d("2027-02-05"), "休假啦", "春节"),  # unknown kind
        (d("2028-01-01"), "放假", "元旦"),  # another year
        (d("2027-01-01"), "放假", "元旦"),  # duplicate
    ]
    with pytest.raises(ServiceError) as err:
        holidays.do_import_notice(sysadmin, 2027, "通知", "", xlsx(rows))
    assert err.value.code == "import_invalid"
    text = "\n".join(err.value.fields["file"])
    assert "第 3 行" in text and "无法识别" in text
    assert "第 4 行" in text and "调休上班日应为周六或周日" in text
    assert "第 5 行" in text and "“休假啦”" in text
    assert "第 6 行" in text and "不属于 2027 年" in text
    assert "第 7 行" in text and "与第 2 行重复" in text
    assert not any(line.startswith("第 2 行") for line in err.value.fields["file"])  # the good row is not named
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not HolidayNotice.objects.filter(year=2027).exists()


def test_a_file_without_the_columns_is_refused(sysadmin):
    with pytest.raises(ServiceError) as err:
        holidays.do_import_notice(sysadmin, 2027, "通知", "", xlsx([("x", "y")], header=("日子", "说明")))
    assert "缺少列“日期”" in err.value.fields["file"][0]


def test_the_template_holds_the_statutory_holidays_and_imports_as_it_is(sysadmin):
    wb = load_workbook(io.BytesIO(holidays.template_xlsx(2027)))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == ["日期", "类型", "节日"]
    assert ws.max_row - 1 == len(workdays.statutory_holidays(2027))
    buf = io.BytesIO(holidays.template_xlsx(2027))
    result = holidays.do_import_notice(sysadmin, 2027, "通知", "", buf)
    assert result.created == 13


# --- the pages ------------------------------------------------------------------------------------------------


def test_the_menu_and_page_show_which_years_have_notices(sysadmin):
    client = logged_in_client(sysadmin)
    home = client.get("/").content.decode()
    assert "节假日安排" in home
    page = client.get("/core/calendar/?year=2027").content.decode()
    assert "未录入" in page and "已录入" in page
    assert "法定节假日（推算）" in page and "2027-02-05" in page
    assert "未含调休安排" in page
    page_2026 = client.get("/core/calendar/?year=2026").content.decode()
    assert "2026-02-16" in page_2026 and "调休上班" in page_2026


def test_only_the_system_administrator_maintains_the_calendar(make_user, sysadmin):
    officer = logged_in_client(make_user("field_officer"))
    assert officer.get("/core/calendar/").status_code == 403
    assert officer.get("/core/calendar/import/").status_code == 403
    assert officer.get("/core/calendarday/add/").status_code == 403
    assert logged_in_client(sysadmin).get("/core/calendarday/add/").status_code == 200


def test_the_import_page_names_bad_rows_and_saves_nothing(sysadmin):
    client = logged_in_client(sysadmin)
    assert client.get("/core/calendar/import/?year=2027").status_code == 200
    bad = xlsx([(d("2027-01-01"), "放假", "元旦"), (d("2027-03-01"), "调休上班", "")])
    resp = client.post("/core/calendar/import/", {"year": 2027, "title": "通知", "document_number": "", "file": bad})
    assert resp.status_code == 400
    body = resp.content.decode()
    assert "未保存任何数据" in body and "第 3 行" in body and "调休上班日应为周六或周日" in body
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    good = xlsx(NOTICE_2027)
    resp = client.post("/core/calendar/import/", {"year": 2027, "title": "通知", "file": good})
    assert resp.status_code == 302 and resp["Location"] == "/core/calendar/?year=2027"
    assert CalendarDay.objects.filter(date__year=2027).count() == 11


def test_the_template_download(sysadmin):
    resp = logged_in_client(sysadmin).get("/core/calendar/template/2027.xlsx")
    assert resp.status_code == 200
    assert load_workbook(io.BytesIO(resp.content)).worksheets[0]["C2"].value == "元旦"


def test_the_generic_add_page_writes_through_the_service(sysadmin):
    client = logged_in_client(sysadmin)
    resp = client.post("/core/calendarday/add/", {"date": "2027-03-01", "kind": "workday", "name": "", "source": ""})
    assert resp.status_code in (200, 400) and "调休上班日应为周六或周日" in resp.content.decode()
    resp = client.post("/core/calendarday/add/", {"date": "2027-03-06", "kind": "workday", "name": "x", "source": ""})
    assert resp.status_code == 302
    assert workdays.is_workday(d("2027-03-06"))


# --- the reminder ---------------------------------------------------------------------------------------------


def test_from_october_the_system_administrator_gets_one_todo_until_the_notice_is_entered(sysadmin, make_user):
    officer = make_user("field_officer")
    assert holidays.remind_missing_notice(d("2026-09-30")) == 0
    assert holidays.remind_missing_notice(d("2026-10-01")) == 1
    assert holidays.remind_missing_notice(d("2026-10-02")) == 0  # idempotent by source_key
    todo = TodoItem.objects.get(source_key="calendar:notice:2027")
    assert todo.user == sysadmin and todo.status == TodoStatus.OPEN and "2027" in todo.title
    assert todo.url == "/core/calendar/?year=2027"
    assert not TodoItem.objects.filter(user=officer).exists()
    holidays.do_import_notice(sysadmin, 2027, "通知", "", xlsx(NOTICE_2027))
    todo.refresh_from_db()
    assert todo.status == TodoStatus.DONE
    assert holidays.remind_missing_notice(d("2026-12-01")) == 0


def test_the_periodic_job_is_registered():
    from teis.core.jobs import PERIODIC

    assert "teis.core.tasks.remind_holiday_notice" in PERIODIC


# --- the mark ---------------------------------------------------------------------------------------------------


def test_a_deadline_in_a_year_without_its_notice_is_marked(db):
    assert "未含调休安排" in workdays_note(d("2027-01-19"))
    assert "2027" in workdays_note(d("2027-01-19"))
    assert workdays_note(d("2026-12-30")) == ""
    assert workdays_note(d("2026-12-30"), d("2026-12-01")) == ""
    assert workdays_note(None) == ""
    HolidayNotice.objects.create(year=2027, title="通知")
    workdays.invalidate()
    assert workdays_note(d("2027-01-19")) == ""


def test_an_empty_calendar_is_seeded_from_the_package_on_first_read(db):
    """A database whose calendar tables are empty (flushed after a transactional test) reads as seeded."""
    CalendarDay.objects.all().delete()
    HolidayNotice.objects.all().delete()
    workdays.forget()
    assert not workdays.is_workday(d("2025-10-08")) and workdays.is_workday(d("2025-09-28"))
    assert CalendarDay.objects.filter(date__year=2025).exists()
    assert set(range(2004, 2027)) <= workdays.noticed_years()
    assert holidays.seed_from_package() == 0  # idempotent
