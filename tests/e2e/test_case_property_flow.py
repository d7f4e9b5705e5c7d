"""涉案财物 in a real browser: the officer seizes a vehicle from the case page of a 行政强制 (扣押) case, the property
custodian parks it in the car park and auctions it, and the officer closes the case through its remaining steps
(强制措施期间处理 → 解除强制措施 → 已结案); the case page shows the auction and the release."""

import re

import pytest

from .test_case_general_flow import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def complete(page, task_pk, fields: dict | None = None):
    page.goto(f"/workflow/tasks/{task_pk}/", wait_until="domcontentloaded")
    form = page.locator(f"form[action$='/tasks/{task_pk}/complete/']")
    for selector, value in (fields or {}).items():  # the facts the step records
        form.locator(selector).fill(value)
    form.locator("input[name=decision][value=approve]").check()
    form.locator("textarea[name=opinion]").fill("同意")
    form.locator("button").click()
    page.wait_for_url(re.compile(r"/workflow/inbox/"), wait_until="commit")


def test_seize_park_auction_and_close(browser, live_server, make_user, tree, shots):
    from decimal import Decimal

    from django.utils import timezone

    from teis.cases.models import CarPark, CaseProperty, ParkingRecord
    from teis.cases.services import intake
    from teis.cases.services.case import register_listeners
    from teis.workflow import services as wf
    from teis.workflow.choices import TaskStatus

    wf.ensure_definitions(None)
    register_listeners()
    officer = make_user("field_officer", "squad1", username="e2e_prop_officer")
    brigade = make_user("brigade_leader", "brigade1", username="e2e_prop_brigade")
    keeper = make_user("evidence_admin", "det1", username="e2e_prop_keeper")
    CarPark.objects.create(name="第一支队扣车场", unit=tree["det1"], daily_tariff=Decimal("20"))
    case = intake.do_pre_register(
        officer,
        {
            "title": "非法营运扣车案",
            "procedure": "coercive",
            "facts": "无证车辆揽客",
            "parties": [{"kind": "person", "name": "李某"}],
            "vehicles": [{"plate": "沪A66666"}],
        },
    )

    def task(spec):
        return case.process.tasks.get(spec_name=spec, status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED])

    apply = {
        "measure_kind": "vehicle",
        "measure_plate": "沪A66666",
        "measure_objects": "白色小型轿车",
        "measure_basis": "《上海市出租汽车管理条例》第四十五条",
        "measure_reason": "无证车辆揽客，暂扣车辆",
        "measure_place": "虹桥枢纽东交通中心",
    }
    wf.complete_task(officer, task("Task_CoerciveApply"), "approve", "申请暂扣车辆", apply)
    wf.complete_task(brigade, task("Task_CoerciveApproval"), "approve", "同意")
    now = timezone.now()
    decision = {
        "measure_number": f"沪交强扣〔2026〕{case.pk}号",
        "measure_decided_at": now,
        "measure_served_at": now,
        "measure_period": 30,
    }
    wf.complete_task(officer, task("Task_CoerciveDecision"), "approve", "已送达暂扣决定书", decision)

    # the decision seized the vehicle: the officer sees it on the case page
    page = signed_in(browser, live_server, officer)
    page.goto(f"/cases/{case.pk}/")
    assert "白色小型轿车" in page.locator("#case-property").inner_text()
    prop = CaseProperty.objects.get(case=case)
    assert (prop.plate, prop.kind) == ("沪A66666", "vehicle")

    # the custodian parks it and, later, auctions it
    custodian = signed_in(browser, live_server, keeper)
    custodian.goto("/cases/caseproperty/")
    custodian.click("text=白色小型轿车")
    custodian.click("text=入场停放")
    custodian.select_option("#id_car_park", label="第一支队扣车场")
    custodian.fill("#id_space", "A-08")
    custodian.click("button[type=submit]")
    custodian.wait_for_url(re.compile(rf"/cases/caseproperty/{prop.pk}/$"))
    custodian.goto("/cases/parking/held/")
    assert "沪A66666" in custodian.content()
    custodian.goto(f"/cases/caseproperty/{prop.pk}/")
    custodian.click("text=拍卖")
    custodian.fill("#id_auction_date", timezone.localdate().isoformat())
    custodian.fill("#id_auction_price", "36000")
    custodian.fill("#id_buyer", "王某（竞买人 12 号）")
    custodian.click("button[type=submit]")
    custodian.wait_for_url(re.compile(rf"/cases/caseproperty/{prop.pk}/$"))
    assert "已拍卖" in custodian.content()
    record = ParkingRecord.objects.get(property=prop)
    assert record.released_to == "王某（竞买人 12 号）" and record.parking_fee == Decimal("20.00")

    # the officer closes the case
    page.goto(f"/cases/{case.pk}/")
    assert "已全部处置" in page.locator("#case-property").inner_text()
    assert "36000" in page.locator("#case-property").inner_text()
    complete(page, task("Task_CoerciveDuring").pk, {"[name=measure_progress]": "车辆已拍卖，价款上缴"})
    released = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    reason = "车辆已依法拍卖，解除暂扣"
    complete(page, task("Task_CoerciveRelease").pk, {"[name=release_at]": released, "[name=release_reason]": reason})
    case.refresh_from_db()
    assert case.status == "closed"
    page.goto(f"/cases/{case.pk}/")
    assert "已结案" in page.content()
    page.screenshot(path=f"{shots}/case_property_closed.png", full_page=True)
