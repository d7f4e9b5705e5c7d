"""A step's due date that reaches into a year whose State Council notice is not entered is marked "未含调休安排" on
the task page and in the inbox (issue 15 §5): its 调休 swaps are unknown, so the date may still move."""

import datetime as dt

from django.utils import timezone

from teis.core.models import HolidayNotice
from teis.core.testing import logged_in_client
from teis.workflow import services
from teis.workflow.choices import TaskStatus
from teis.workflow.models import WorkTask

KEY = "sample_approval"


def _task(people, tree, due: dt.date) -> WorkTask:
    instance = services.start_process(people["officer"], KEY, None, tree["squad1"], None, subject_label="测试案件")
    wt = instance.tasks.get(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED])
    due_at = timezone.make_aware(dt.datetime.combine(due, dt.time(23, 59, 59)))
    WorkTask.objects.filter(pk=wt.pk).update(due_at=due_at)
    return wt


def test_a_due_date_in_a_year_without_its_notice_is_marked(people, tree):
    wt = _task(people, tree, dt.date(2027, 1, 19))
    client = logged_in_client(people["squad"])
    assert "未含调休安排" in client.get(f"/workflow/tasks/{wt.pk}/").content.decode()
    assert "未含调休安排" in client.get("/workflow/inbox/").content.decode()


def test_a_due_date_covered_by_the_notices_is_not_marked(people, tree):
    wt = _task(people, tree, dt.date(2026, 12, 30))
    client = logged_in_client(people["squad"])
    assert "未含调休安排" not in client.get(f"/workflow/tasks/{wt.pk}/").content.decode()
    assert "未含调休安排" not in client.get("/workflow/inbox/").content.decode()


def test_the_mark_goes_once_the_notice_is_entered(people, tree):
    from teis.core.holidays import calendar_service

    wt = _task(people, tree, dt.date(2027, 1, 19))
    calendar_service.do_create(
        None, HolidayNotice, {"year": 2027, "title": "国务院办公厅关于2027年部分节假日安排的通知"}
    )
    client = logged_in_client(people["squad"])
    assert "未含调休安排" not in client.get(f"/workflow/tasks/{wt.pk}/").content.decode()
