"""Warnings (deadline, coverage, indicator, quota), the object import job and statistics."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from teis.core.models import Notification
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.inspections.choices import WarningKind, WarningStatus
from teis.inspections.models import (
    InspectionObject,
    InspectionTask,
    InspectionWarning,
    ObjectImport,
    RequiredCheckQuota,
)
from teis.inspections.services import plans as plan_svc
from teis.inspections.services import pools, stats
from teis.inspections.services import tasks as task_svc
from teis.inspections.services.warnings import scan_warnings

from .factories import credit_code


@pytest.fixture
def drawn(setup):
    plan_svc.do_freeze(setup["leader"], setup["plan"])
    plan_svc.do_draw(setup["leader"], setup["plan"])
    return setup


def finish(task):
    user = task.inspectors.first().officer.user
    findings = {str(f.check_item_id): {"result": "conform"} for f in task.findings.all()}
    task_svc.do_execute(user, task, {"result": "no_problem", "summary": "良好", "findings": findings})


def test_deadline_coverage_and_indicator_warnings(drawn, make_user):
    squad_leader = make_user("squad_leader", "squad1", username="zhongdui")
    tasks = list(InspectionTask.objects.order_by("code"))
    deadline = tasks[0].deadline
    finish(tasks[0])
    # well before the deadline: nothing
    assert scan_warnings(deadline - dt.timedelta(days=30))["created"] == 0
    # two working days before: deadline-near warnings for the open tasks, coverage warnings for the units
    near = scan_warnings(deadline - dt.timedelta(days=1))
    assert InspectionWarning.objects.filter(kind=WarningKind.DEADLINE_NEAR, status=WarningStatus.OPEN).count() == 2
    assert InspectionWarning.objects.filter(kind=WarningKind.COVERAGE_LOW).exists()
    open_task = tasks[1]
    inspector_user = open_task.inspectors.first().officer.user
    assert Notification.objects.filter(user=inspector_user, title__contains="临近期限").exists()
    if open_task.unit_id == drawn["tree"]["squad1"].pk:
        assert Notification.objects.filter(user=squad_leader, title__contains="双随机预警").exists()
    # idempotent
    assert scan_warnings(deadline - dt.timedelta(days=1))["created"] == 0 and near["created"] > 0
    # after the deadline: overdue replaces near, the plan's completion indicator is not met
    scan_warnings(deadline + dt.timedelta(days=3))
    assert not InspectionWarning.objects.filter(kind=WarningKind.DEADLINE_NEAR, status=WarningStatus.OPEN).exists()
    assert InspectionWarning.objects.filter(kind=WarningKind.OVERDUE, status=WarningStatus.OPEN).count() == 2
    assert InspectionWarning.objects.filter(kind=WarningKind.INDICATOR_UNMET, status=WarningStatus.OPEN).exists()
    assert Notification.objects.filter(user=drawn["leader"], title__contains="指标未达成").exists()
    # everything done: the warnings close
    for t in tasks[1:]:
        finish(t)
    scan_warnings(deadline + dt.timedelta(days=3))
    assert not InspectionWarning.objects.filter(status=WarningStatus.OPEN).exists()


def test_quota_progress_warning(drawn):
    RequiredCheckQuota.objects.create(
        year=2031, unit=drawn["tree"]["brigade1"], industry=drawn["industries"]["freight_general"], required_count=100
    )
    drawn["plan"].year = 2031
    drawn["plan"].save()
    scan_warnings(dt.date(2031, 7, 1))
    w = InspectionWarning.objects.get(key__startswith="indicator:quota:")
    assert "应检查 100 家" in w.message


def xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(pools.IMPORT_COLUMNS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_import_checks_every_row_then_imports(setup):
    unit = setup["tree"]["squad1"].name
    good = [
        "新光物流有限公司",
        credit_code(900),
        "企业",
        "道路普通货物运输",
        "浦东新区",
        unit,
        "B",
        "高风险",
        "2024-05-01",
    ]
    bad = ["坏数据公司", "91310115000000901X", "企业", "不存在的行业", "火星区", unit]
    rows = pools.read_object_rows(io.BytesIO(xlsx([good, bad])))
    with pytest.raises(ServiceError) as exc:
        pools.do_import_objects(setup["leader"], rows)
    errors = exc.value.fields["file"]
    assert len(errors) == 1 and errors[0].startswith("第 3 行") and "校验位" in errors[0] and "行业类别" in errors[0]
    assert not InspectionObject.objects.filter(name="新光物流有限公司").exists()
    result = pools.do_import_objects(setup["leader"], pools.read_object_rows(io.BytesIO(xlsx([good]))))
    assert result.created == 1
    obj = InspectionObject.objects.get(credit_code=credit_code(900))
    assert obj.risk_level == "high" and obj.credit_rating == "B" and obj.district == "310115"
    good[0] = "新光物流（集团）有限公司"
    assert pools.do_import_objects(setup["leader"], pools.read_object_rows(io.BytesIO(xlsx([good])))).updated == 1


def test_import_page_runs_a_job(setup, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client = logged_in_client(setup["leader"])
    row = ["页面导入公司", credit_code(901), "企业", "道路普通货物运输", "浦东新区", setup["tree"]["squad1"].name]
    upload = SimpleUploadedFile("objects.xlsx", xlsx([row]))
    resp = client.post(reverse("inspections:object_import"), {"file": upload})
    assert resp.status_code == 302
    job = ObjectImport.objects.get()
    assert job.status == "done" and job.created == 1 and job.percent == 100
    assert client.get(resp["Location"] + "?format=json").json()["status"] == "done"
    bad = SimpleUploadedFile("objects.xlsx", xlsx([["", "bad"]]))
    client.post(reverse("inspections:object_import"), {"file": bad})
    failed = ObjectImport.objects.order_by("-pk").first()
    assert failed.status == "failed" and failed.errors


def test_statistics_by_unit_industry_month_object(drawn, make_user):
    tasks = list(InspectionTask.objects.order_by("code"))
    finish(tasks[0])
    data = stats.statistics(drawn["leader"])
    assert data["totals"]["total"] == 3 and data["totals"]["done"] == 1
    assert sum(r["total"] for r in data["by_unit"]) == 3
    assert data["by_industry"][0]["label"] == "道路普通货物运输"
    assert data["by_month"][0]["key"] == tasks[0].deadline.strftime("%Y-%m")
    assert len(data["by_object"]) == 3
    content = stats.statistics_xlsx(data)
    from openpyxl import load_workbook

    assert load_workbook(io.BytesIO(content)).sheetnames == ["按单位", "按行业", "按月份", "按检查对象"]
    # another brigade's leader sees none of it
    assert stats.statistics(make_user("brigade_leader", "brigade2"))["totals"]["total"] == 0
    assert stats.statistics(drawn["leader"], year=1999)["totals"]["total"] == 0


def test_an_over_long_name_or_address_is_refused_not_cut(setup):
    unit = setup["tree"]["squad1"].name
    row = ["长" * 201, credit_code(901), "企业", "道路普通货物运输", "浦东新区", unit, "B", "高风险", "2024-05-01"]
    with pytest.raises(ServiceError) as exc:
        pools.do_import_objects(setup["leader"], pools.read_object_rows(io.BytesIO(xlsx([row]))))
    assert "对象名称不能超过 200 个字（现为 201 个字）" in exc.value.fields["file"][0]
    assert not InspectionObject.objects.filter(credit_code=credit_code(901)).exists()
