"""Executing a task: findings per bound item, result, photos, 立案 → case pre-registration; duty view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from teis.core.models import OutboxMessage, TodoItem, TodoStatus
from teis.core.services import ServiceError
from teis.inspections.choices import ObjectStatus, TaskStatus
from teis.inspections.models import InspectionObject, InspectionTask, TaskPhoto
from teis.inspections.services import plans as plan_svc
from teis.inspections.services import tasks as svc

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def drawn(setup, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    plan_svc.do_freeze(setup["leader"], setup["plan"])
    plan_svc.do_draw(setup["leader"], setup["plan"])
    task = InspectionTask.objects.order_by("code").first()
    setup["task"] = task
    setup["inspector_user"] = task.inspectors.first().officer.user
    return setup


def data(task, result="no_problem", **kw):
    findings = {str(f.check_item_id): {"result": "conform", "note": ""} for f in task.findings.all()}
    return {"result": result, "summary": "证照齐全，车辆技术状况良好", "findings": findings, **kw}


def test_inspector_executes_task(drawn):
    task, user = drawn["task"], drawn["inspector_user"]
    photo = SimpleUploadedFile("scene.png", PNG, content_type="image/png")
    svc.do_execute(user, task, data(task), [photo])
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.result == "no_problem" and task.executed_by == user
    assert task.findings.get().result == "conform"
    assert TaskPhoto.objects.get(task=task).size == len(PNG)
    assert not TodoItem.objects.filter(source_key=f"inspection_task:{task.pk}", status=TodoStatus.OPEN).exists()
    assert InspectionObject.objects.get(pk=task.inspection_object_id).last_inspected_on == timezone.localdate()
    assert OutboxMessage.objects.filter(topic="random_inspection.result", object_key=task.code).exists()
    with pytest.raises(ServiceError) as exc:
        svc.do_execute(user, task, data(task))
    assert exc.value.code == "done"


def test_refusals_write_nothing(drawn):
    task, user = drawn["task"], drawn["inspector_user"]
    outsider = next(i.officer.user for i in drawn["inspectors"] if not task.inspectors.filter(pk=i.pk).exists())
    with pytest.raises(ServiceError) as exc:
        svc.do_execute(outsider, task, data(task))
    assert exc.value.code == "not_inspector"
    with pytest.raises(ServiceError) as exc:
        svc.do_execute(user, task, data(task, result="rectify"))
    assert "整改期限" in exc.value.message
    with pytest.raises(ServiceError) as exc:
        svc.do_execute(user, task, {**data(task), "findings": {}})
    assert exc.value.code == "findings_missing"
    with pytest.raises(ServiceError) as exc:
        svc.do_execute(user, task, data(task), [SimpleUploadedFile("x.png", b"MZ not an image")])
    assert exc.value.code == "photo_type"
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING and not TaskPhoto.objects.exists()


def test_rectify_keeps_deadline(drawn):
    task, user = drawn["task"], drawn["inspector_user"]
    svc.do_execute(user, task, data(task, result="rectify", rectify_deadline="2030-01-31"))
    task.refresh_from_db()
    assert task.rectify_deadline == dt.date(2030, 1, 31)


def test_file_case_pre_registers_a_case(drawn):
    from teis.cases.models import EnforcementCase
    from teis.workflow.services import ensure_definitions

    ensure_definitions(None)
    task = drawn["task"]
    user = task.inspectors.first().officer.user
    svc.do_execute(user, task, data(task, result="file_case"))
    task.refresh_from_db()
    case = EnforcementCase.objects.get(pk=task.case_id)
    assert task.inspection_object.name in case.title
    assert case.parties.get().credit_code == task.inspection_object.credit_code
    assert InspectionObject.objects.get(pk=task.inspection_object_id).status == ObjectStatus.INVESTIGATING


def test_tasks_for_duty(drawn):
    tree = drawn["tree"]
    today = timezone.localdate()
    open_tasks = list(svc.tasks_for_duty(tree["brigade1"], today))
    assert len(open_tasks) == InspectionTask.objects.filter(unit__path__startswith=tree["brigade1"].path).count()
    assert list(svc.tasks_for_duty(tree["brigade2"], today)) == []
    assert list(svc.tasks_for_duty(tree["brigade1"], today + dt.timedelta(days=400))) == []
