"""评议考核 in a real browser, the main path: the legal department creates a batch, sets the indicators, adds a
unit, draws case files (the case sampling), starts the scoring, scores every object on the workspace (a score
above an indicator's weight is refused in Chinese), and publishes the results (screenshots in /tmp/teis-shots)."""

import re

import pytest

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_evaluation_main_path(browser, live_server, make_user, tree, shots):
    from django.utils import timezone

    from teis.analytics.models import EvaluationBatch
    from teis.analytics.tests.factories import make_case

    day = timezone.localdate() - timezone.timedelta(days=30)
    officer = make_user("field_officer", "squad1")
    for i in range(3):
        make_case(tree["squad1"], officer, filed=day, closed=day, title=f"已结案件{i}")
    make_user("legal_reviewer", "corps", username="legal_e2e")

    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", "legal_e2e")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))
    page.click("a.nav-link:has-text('评议考核')")
    page.wait_for_url(re.compile(r"/analytics/evaluationbatch/$"))
    page.goto("/analytics/evaluationbatch/add/")
    page.fill("#id_name", "2025年度执法评议考核")
    page.fill("#id_year", "2025")
    page.click("form.teis-card button[type=submit]")
    page.wait_for_url(re.compile(r"/analytics/evaluationbatch/\d+/$"))
    batch = EvaluationBatch.objects.get()

    def act(name: str, fields: dict, selects: dict | None = None):
        form = page.locator(f"form[data-action={name}]")
        for key, value in fields.items():
            form.locator(f"[name='{name}-{key}']").fill(value)
        for key, value in (selects or {}).items():
            form.locator(f"[name='{name}-{key}']").select_option(value=value)
        form.locator("button[type=submit]").click()
        page.wait_for_load_state("load")

    act("add_indicator", {"name": "办案质量", "weight": "60"})
    act("add_indicator", {"name": "程序规范", "weight": "40"})
    act("add_object", {}, {"kind": "unit", "unit": str(tree["brigade1"].pk)})
    act("draw_cases", {"size": "2", "seed": "7"}, {"mode": "random"})
    assert batch.targets.count() == 3
    act("start", {})
    batch.refresh_from_db()
    assert batch.status == "scoring"

    page.click("a:has-text('考核工作台')")
    page.wait_for_selector("#target-table")
    i1, i2 = batch.indicators.order_by("order")
    first = page.locator("form.score-form").first
    first.locator(f"[name='s-{i1.pk}']").evaluate("el => el.removeAttribute('max')")
    first.locator(f"[name='s-{i1.pk}']").fill("61")
    first.locator(f"[name='s-{i2.pk}']").fill("30")
    first.locator("button:has-text('保存评分')").click()
    page.wait_for_load_state("load")
    assert "“办案质量”的得分应在 0 到 60 分之间" in page.inner_text("body")
    for n in range(3):
        form = page.locator("form.score-form").nth(n)
        form.locator(f"[name='s-{i1.pk}']").fill(str(50 + n))
        form.locator(f"[name='s-{i2.pk}']").fill("35.5")
        form.locator("button:has-text('保存评分')").click()
        page.wait_for_load_state("load")
    assert batch.targets.filter(total__isnull=True).count() == 0
    page.screenshot(path=f"{shots}/analytics_evaluation.png", full_page=True)

    page.click("a:has-text('批次操作')")
    act("publish", {"note": "结果已审定"})
    batch.refresh_from_db()
    assert batch.status == "published"
    page.goto(f"/analytics/evaluation/{batch.pk}/")
    assert page.inner_text("#batch-status") == "已发布"
    assert "86.5" in page.inner_text("#target-table")  # 51 + 35.5
    context.close()
