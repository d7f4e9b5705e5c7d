"""Plan → freeze (commitment) → draw (tasks, seed revealed) → publish; verification; refusals."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from teis.core.crypto import sm3_hex
from teis.core.models import OutboxMessage, TodoItem
from teis.core.services import ServiceError
from teis.core.workdays import add_workdays
from teis.inspections.choices import ObjectStatus, PlanStatus
from teis.inspections.models import DeclaredRelation, DrawRecord, InspectionPlan, InspectionTask
from teis.inspections.services import plans as svc

from .factories import make_object, make_plan


def freeze_and_draw(setup):
    record = svc.do_freeze(setup["leader"], setup["plan"])
    tasks = svc.do_draw(setup["leader"], setup["plan"])
    return record, tasks


def test_freeze_commits_to_seed_without_revealing_it(setup):
    record = svc.do_freeze(setup["leader"], setup["plan"])
    plan = InspectionPlan.objects.get(pk=setup["plan"].pk)
    assert plan.status == PlanStatus.FROZEN
    assert record.seed_hex == "" and len(record.seed_commitment) == 64
    assert record.sealed_seed and record.seed_commitment not in record.sealed_seed
    assert len(record.candidates["objects"]) == 6 and len(record.candidates["inspectors"]) == 4
    assert OutboxMessage.objects.filter(topic="random_inspection.draw", operation="create").count() == 1
    with pytest.raises(ServiceError) as exc:
        svc.PlanService().do_update(setup["leader"], plan, {"draw_count": 4})
    assert exc.value.code == "plan_locked"


def test_draw_creates_tasks_and_reveals_seed(setup):
    _, tasks = freeze_and_draw(setup)
    record = DrawRecord.objects.get(plan=setup["plan"])
    assert sm3_hex(bytes.fromhex(record.seed_hex)) == record.seed_commitment
    assert len(tasks) == 3 and InspectionTask.objects.count() == 3
    deadline = add_workdays(timezone.localdate(), setup["plan"].deadline_workdays)
    loads = {}
    for task in tasks:
        crew = list(task.inspectors.all())
        assert len(crew) == 2
        assert task.deadline == deadline
        # only the freight item is bound to a freight object
        assert [f.check_item.code for f in task.findings.all()] == ["JC001"]
        for ins in crew:
            loads[ins.pk] = loads.get(ins.pk, 0) + 1
            assert TodoItem.objects.filter(user=ins.officer.user, source_key=f"inspection_task:{task.pk}").exists()
    assert max(loads.values()) - min(loads.values()) <= 1  # 6 places over 4 inspectors
    assert InspectionPlan.objects.get(pk=setup["plan"].pk).status == PlanStatus.DRAWN
    svc.do_publish(setup["leader"], setup["plan"])
    assert InspectionPlan.objects.get(pk=setup["plan"].pk).status == PlanStatus.PUBLISHED
    topics = set(OutboxMessage.objects.values_list("topic", flat=True))
    assert {"random_inspection.plan", "random_inspection.draw", "random_inspection.publication"} <= topics


def test_published_draw_reruns_identically(setup, capsys):
    freeze_and_draw(setup)
    ok, lines = svc.verify_draw(setup["plan"])
    assert ok, lines
    call_command("inspections_verify_draw", setup["plan"].code)
    assert "核验通过" in capsys.readouterr().out
    # swap an inspector of one task: the verification fails with exit code 1
    task = InspectionTask.objects.first()
    outsider = next(i for i in setup["inspectors"] if not task.inspectors.filter(pk=i.pk).exists())
    task.inspectors.remove(task.inspectors.first())
    task.inspectors.add(outsider)
    with pytest.raises(SystemExit) as exc:
        call_command("inspections_verify_draw", str(setup["plan"].pk))
    assert exc.value.code == 1
    # a changed seed no longer matches its commitment
    DrawRecord.objects.filter(plan=setup["plan"]).update(seed_hex="00" * 32)
    ok, lines = svc.verify_draw(setup["plan"])
    assert not ok and any("承诺值不一致" in line for line in lines)


def test_infeasible_plan_is_refused_and_nothing_written(setup):
    # the 4th inspector (city-wide) declares a relation with object 1: only 3 - 0 … make object 1 impossible
    obj = setup["objects"][0]
    for ins in setup["inspectors"][:3]:
        DeclaredRelation.objects.create(
            inspector=ins, inspection_object=obj, description="亲属", declared_on="2025-01-01"
        )
    with pytest.raises(ServiceError) as exc:
        svc.do_freeze(setup["leader"], setup["plan"])
    assert exc.value.code == "infeasible"
    assert "可选检查人员不足 2 名" in exc.value.message and obj.name in exc.value.message
    assert DrawRecord.objects.count() == 0 and InspectionTask.objects.count() == 0
    assert InspectionPlan.objects.get(pk=setup["plan"].pk).status == PlanStatus.DRAFT


def test_failure_during_draw_writes_nothing(setup, monkeypatch):
    svc.do_freeze(setup["leader"], setup["plan"])
    calls = []

    def failing(user, *a, **kw):
        calls.append(user)
        if len(calls) > 2:
            raise RuntimeError("todo centre down")

    monkeypatch.setattr("teis.core.notify.post_todo", failing)
    with pytest.raises(RuntimeError):
        svc.do_draw(setup["leader"], setup["plan"])
    record = DrawRecord.objects.get(plan=setup["plan"])
    assert record.seed_hex == "" and record.result is None
    assert InspectionTask.objects.count() == 0
    assert InspectionPlan.objects.get(pk=setup["plan"].pk).status == PlanStatus.FROZEN


def test_only_drawers_draw_and_states_are_enforced(setup):
    with pytest.raises(ServiceError) as exc:
        svc.do_freeze(setup["officers"][0], setup["plan"])
    assert exc.value.code == "forbidden"
    with pytest.raises(ServiceError) as exc:
        svc.do_draw(setup["leader"], setup["plan"])
    assert exc.value.code == "bad_status"


def test_rules_are_checked(setup):
    with pytest.raises(ServiceError) as exc:
        make_plan(setup["leader"], setup["tree"]["brigade1"], draw_count=3, draw_percent=10)
    assert "只须填写一项" in exc.value.message
    with pytest.raises(ServiceError) as exc:
        make_plan(setup["leader"], setup["tree"]["brigade1"], draw_count=3, class_weights={"high": 2})
    assert "分类加权方式" in exc.value.message
    with pytest.raises(ServiceError):
        make_plan(
            setup["leader"],
            setup["tree"]["brigade1"],
            draw_count=3,
            weight_attribute="risk_level",
            class_weights={"high": 0},
        )
    with pytest.raises(ServiceError):
        make_plan(setup["leader"], setup["tree"]["brigade1"], draw_count=3, districts=["999999"])


def test_scope_and_exclusions(setup):
    tree = setup["tree"]
    make_object(tree["squad3"], n=50)  # under brigade2
    recent = setup["objects"][1]
    recent.last_inspected_on = timezone.localdate()
    recent.save()
    investigated = setup["objects"][2]
    investigated.status = ObjectStatus.INVESTIGATING
    investigated.save()
    city = make_plan(setup["leader"], tree["brigade1"], draw_count=1, exclude_inspected_months=6)
    ids = set(svc.candidate_objects(city).values_list("pk", flat=True))
    assert recent.pk not in ids and investigated.pk not in ids and len(ids) == 5
    district = make_plan(setup["leader"], tree["brigade1"], draw_count=1, level="district")
    assert len(svc.candidate_objects(district)) == 5  # not the brigade2 object
    assert svc.candidate_inspectors(district).count() == 4
    # an expired 执法证 leaves the pool
    officer = setup["inspectors"][0].officer
    officer.certificate_valid_until = timezone.localdate().replace(year=2000)
    officer.save()
    assert svc.candidate_inspectors(city).count() == 3


def test_publication_export(setup):
    import io

    from openpyxl import load_workbook

    freeze_and_draw(setup)
    content = svc.publication_xlsx(InspectionPlan.objects.get(pk=setup["plan"].pk))
    wb = load_workbook(io.BytesIO(content))
    rows = list(wb["抽取核验信息"].iter_rows(values_only=True))
    record = DrawRecord.objects.get(plan=setup["plan"])
    assert ("随机种子", record.seed_hex) in rows
    assert wb["抽查结果公示"].max_row == 2 + 3
