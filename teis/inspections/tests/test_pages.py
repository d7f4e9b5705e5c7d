"""The custom pages: plan board actions, task execution form, my tasks, statistics and its export."""

from __future__ import annotations

from django.urls import reverse

from teis.core.testing import logged_in_client
from teis.inspections.choices import PlanStatus, TaskStatus
from teis.inspections.models import InspectionPlan, InspectionTask


def test_board_execute_statistics(setup):
    leader = logged_in_client(setup["leader"])
    plan = setup["plan"]
    board = reverse("inspections:plan_board", args=[plan.pk])
    assert "候选对象 <b>6</b> 个" in leader.get(board).content.decode()
    officer = logged_in_client(setup["officers"][0])
    # the board's buttons post the plan's declared actions to the board itself
    assert officer.post(board, {"_action": "freeze"}).status_code in (403, 404)
    assert leader.post(board, {"_action": "fly"}).status_code == 404
    resp = leader.post(board, {"_action": "draw"}, follow=True)  # not frozen yet: the refusal, nothing drawn
    assert "不能执行抽取" in resp.content.decode() and not InspectionTask.objects.exists()
    resp = leader.post(board, {"_action": "freeze"})
    assert resp.status_code == 302 and resp.url == board
    page = leader.get(board).content.decode()
    assert "候选名单已冻结，随机种子承诺值已公布。" in page and 'value="draw"' in page
    assert leader.post(board, {"_action": "draw"}).status_code == 302
    assert InspectionPlan.objects.get(pk=plan.pk).status == PlanStatus.DRAWN
    page = leader.get(board + "?verify=1").content.decode()
    assert "重新抽取结果与公示结果完全一致" in page
    resp = leader.get(reverse("inspections:plan_publication", args=[plan.pk]))
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxml")

    task = InspectionTask.objects.order_by("code").first()
    client = logged_in_client(task.inspectors.first().officer.user)
    assert task.code in client.get(reverse("inspections:my_tasks")).content.decode()
    url = reverse("inspections:task_execute", args=[task.pk])
    assert client.get(url).status_code == 200
    item = task.findings.get().check_item_id
    bad = client.post(
        url, {"inspected_on": "2025-11-01", "result": "rectify", "summary": "x", f"finding_{item}": "conform"}
    )
    assert bad.status_code == 400 and "整改期限" in bad.content.decode()
    ok = client.post(
        url,
        {
            "inspected_on": "2025-11-01",
            "result": "no_problem",
            "summary": "未发现问题",
            f"finding_{item}": "conform",
            f"note_{item}": "",
        },
    )
    assert ok.status_code == 302, ok.content.decode()[:3000]
    assert InspectionTask.objects.get(pk=task.pk).status == TaskStatus.DONE

    stats = leader.get(reverse("inspections:statistics"))
    assert stats.status_code == 200 and "chart-unit" in stats.content.decode()
    export = leader.get(reverse("inspections:statistics_export") + "?year=2025")
    assert export.status_code == 200
    assert officer.get(reverse("inspections:statistics")).status_code == 200  # own tasks only
