"""投诉信访 in a real browser: the 指挥中心 registers a 12345 complaint on /petitions/new/ (the HTMX check shows a
possible duplicate), accepts it, the leader instructs, it is dispatched to a squad, a transfer outside the squad's
reach is refused, a transfer to the sister squad works, that squad returns it, it is dispatched again; the deadline
job runs with a controllable clock (an explicit `now` past the 办结 deadline) and opens a 督察: the squad submits a
情况说明, the leader sends it back, the squad explains again and the leader accepts it with the 督察意见 (all on the
petition page); the squad handles it, it is closed, the return visit is 不满意 so it is reopened (重办) at the squad,
handled and closed again and visited 满意. The statistics page and the 信访专题 dashboard then render their charts
(screenshots in /tmp/teis-shots)."""

import datetime as dt
import re

import pytest

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def off_loop(func, *args, **kwargs):
    """Run a service in a worker thread: Playwright's sync API keeps an event loop in this thread, and the services'
    on-commit pushes (Channels) must not run inside it."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def run():
        try:
            return func(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def login(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))
    return page


def test_petition_full_flow_with_overdue_supervision(browser, live_server, make_user, tree, shots):
    from django.utils import timezone

    from teis.petitions.choices import PetitionStatus, SupervisionStatus
    from teis.petitions.models import Petition, PetitionSupervision
    from teis.petitions.services.intake import do_register, ensure_categories
    from teis.petitions.services.supervision import check_deadlines
    from teis.workflow.services import ensure_definitions, process_files

    ensure_categories()
    ensure_definitions(None, [p for p in process_files() if p.name.startswith("petition_")])
    people = {
        "registrar": make_user("command_center", "corps", username="e2e_pt_registrar"),
        "leader": make_user("leadership", "corps", username="e2e_pt_leader"),
        "squad1": make_user("squad_leader", "squad1", username="e2e_pt_squad1"),
        "squad2": make_user("squad_leader", "squad2", username="e2e_pt_squad2"),
    }
    from teis.core.models import DictionaryItem

    refusal = DictionaryItem.objects.get(dict_type__code="petition_category", code="refusal")
    earlier = off_loop(
        do_register,
        people["registrar"],
        {
            "channel": "phone",
            "category": refusal.pk,
            "title": "同一车辆此前被投诉",
            "content": "拒载",
            "complainant_name": "李四",
            "complainant_phone": "13700001111",
            "subject_plate": "沪D54321",
        },
    )

    reg = login(browser, live_server, "e2e_pt_registrar")
    reg.goto("/petitions/new/")
    reg.select_option("#id_channel", "hotline")
    reg.fill("#id_external_ref", "GD2025000123")
    reg.select_option("#id_category", str(refusal.pk))
    reg.fill("#id_title", "虹桥枢纽出租车拒载")
    reg.fill("#id_content", "乘客反映在虹桥枢纽出租车候客区被拒载，要求查处。")
    reg.fill("#id_complainant_name", "王五")
    reg.fill("#id_complainant_phone", "13900002222")
    reg.fill("#id_subject_plate", "沪D54321")
    reg.locator("#id_subject_plate").dispatch_event("change")
    reg.wait_for_selector("#duplicate-warning")
    # The phone's own check (sent when focus left it) must not overwrite the later one that has the plate.
    reg.wait_for_timeout(300)
    assert earlier.code in reg.inner_text("#duplicates")
    reg.screenshot(path=f"{shots}/petitions_register.png", full_page=True)
    reg.click("#register-submit")
    reg.wait_for_url(re.compile(r"/petitions/\d+/$"))
    p = Petition.objects.get(title="虹桥枢纽出租车拒载")
    url = f"/petitions/{p.pk}/"
    assert "待受理" in reg.inner_text("#petition-status")
    assert "139****2222" in reg.content() and "13900002222" not in reg.content()

    reg.click("#btn-accept")
    reg.wait_for_selector("text=已办理受理")
    leader = login(browser, live_server, "e2e_pt_leader")
    leader.goto(url)
    leader.fill("#instruction", "请第一中队依法核查，按期答复。")
    leader.click("#btn-instruct")
    leader.wait_for_selector("text=已批示")

    reg.goto(url)
    reg.select_option("#dispatch-unit", str(tree["squad1"].pk))
    reg.click("#btn-dispatch")
    reg.wait_for_selector("text=已派发")
    assert "第一中队" in reg.inner_text("#petition-unit")

    sq1 = login(browser, live_server, "e2e_pt_squad1")
    sq1.goto(url)
    sq1.select_option("#transfer-unit", str(tree["squad2"].pk))
    # a unit outside the squad's reach is not offered; post it anyway as a tampered form would
    sq1.evaluate(f"""() => {{ const o = document.createElement('option'); o.value = '{tree["squad3"].pk}';
        o.text = 'x'; document.getElementById('transfer-unit').appendChild(o); }}""")
    sq1.select_option("#transfer-unit", str(tree["squad3"].pk))
    sq1.fill("#transfer-reason", "属第三中队辖区")
    sq1.click("#btn-transfer")
    sq1.wait_for_selector("text=不在您的转办范围内")
    p.refresh_from_db()
    assert p.unit == tree["squad1"]
    sq1.goto(url)
    sq1.select_option("#transfer-unit", str(tree["squad2"].pk))
    sq1.fill("#transfer-reason", "发生地属第二中队辖区")
    sq1.click("#btn-transfer")
    sq1.wait_for_selector("text=已转办")

    sq2 = login(browser, live_server, "e2e_pt_squad2")
    sq2.goto(url)
    sq2.fill("#return-reason", "经核实不属本中队辖区，请重新派发")
    sq2.click("#btn-return")
    sq2.click("#teis-confirm-ok")  # 退回 asks first
    sq2.wait_for_selector("text=已退回")
    reg.goto(url)
    reg.select_option("#dispatch-unit", str(tree["squad1"].pk))
    reg.click("#btn-dispatch")
    reg.wait_for_selector("text=已派发")

    # the controllable clock: run the deadline job as if it were two days past the 办结 deadline
    p.refresh_from_db()
    future = timezone.make_aware(dt.datetime.combine(p.finish_due + dt.timedelta(days=2), dt.time(9)))
    # 3 supervisions: ours (办结超期) and the earlier, never accepted complaint (受理超期 and 办结超期)
    assert off_loop(check_deadlines, future)["supervised"] == 3
    from teis.core.models import Notification, TodoItem

    assert Notification.objects.filter(user=people["leader"], title__startswith="已发起督察").count() == 3
    sup = PetitionSupervision.objects.get(petition=p)
    # the 情况说明 is the squad's todo, posted by the engine to the unit chosen at 派发
    assert TodoItem.objects.filter(user=people["squad1"], title__startswith="情况说明", status="open").count() == 1
    leader.goto(url)
    leader.wait_for_selector("#supervised-badge")
    assert leader.locator(f"#btn-supervise-{sup.pk}").count() == 0  # nothing to review yet
    sq1.goto(url)
    sq1.fill(f"#explanation-{sup.pk}", "当事驾驶员外出未归，已约定下周接受询问")
    sq1.click(f"#btn-explain-{sup.pk}")
    sq1.wait_for_selector("text=情况说明已提交")
    leader.goto(url)
    assert "当事驾驶员外出未归" in leader.inner_text(f"#supervision-{sup.pk}")
    leader.fill(f"#supervise-opinion-{sup.pk}", "说明未包含整改措施，请补充")
    leader.click(f"#btn-supervise-return-{sup.pk}")
    leader.wait_for_selector("text=情况说明已退回")
    sup.refresh_from_db()
    assert sup.status == SupervisionStatus.OPEN
    sq1.goto(url)
    sq1.fill(f"#explanation-{sup.pk}", "已调取营运数据并约谈驾驶员，三个工作日内办结")
    sq1.click(f"#btn-explain-{sup.pk}")
    sq1.wait_for_selector("text=情况说明已提交")
    leader.goto(url)
    leader.fill(f"#supervise-opinion-{sup.pk}", "已超办结期限，限三个工作日内办结并说明原因")
    leader.click(f"#btn-supervise-{sup.pk}")
    leader.wait_for_selector("text=督察意见已下达")
    sup.refresh_from_db()
    assert sup.status == SupervisionStatus.DONE and sup.explanation_count == 2
    leader.screenshot(path=f"{shots}/petitions_supervision.png", full_page=True)

    def handle_close_visit(satisfaction, message):
        sq1.goto(url)
        sq1.fill("#handle-result", "已调取营运数据并约谈驾驶员，依法立案处罚，已电话答复反映人。")
        sq1.click("#btn-handle")
        sq1.wait_for_selector("text=已提交办理结果")
        reg.goto(url)
        reg.click("#btn-close")
        reg.click("#teis-confirm-ok")
        reg.wait_for_selector("text=已办理结案审核")
        reg.select_option("#visit-satisfaction", satisfaction)
        reg.fill("#visit-note", "回访记录")
        reg.click("#btn-visit")
        reg.wait_for_selector(f"text={message}")

    # 不满意: reopened at the squad (重办) with a new 办结期限
    handle_close_visit("unsatisfied", "信访件重办")
    p.refresh_from_db()
    assert p.status == PetitionStatus.HANDLING and p.redo_count == 1 and p.closed_at is None
    reg.wait_for_selector("#redo-badge")
    handle_close_visit("satisfied", "信访件办结")
    assert "已办结" in reg.inner_text("#petition-status")
    p.refresh_from_db()
    assert p.status == PetitionStatus.CLOSED and p.satisfaction == "satisfied" and p.supervised and p.redo_count == 1
    reg.wait_for_selector(".teis-bpmn-canvas svg", timeout=15_000)
    reg.screenshot(path=f"{shots}/petitions_detail.png", full_page=True)

    leader.goto("/petitions/stats/?dimension=channel")
    leader.wait_for_selector("#chart-volume canvas")
    assert "12345热线" in leader.inner_text("#stats-table")
    leader.screenshot(path=f"{shots}/petitions_stats.png", full_page=True)
    leader.goto("/petitions/dashboard/")
    for chart in ("chart-monthly", "chart-rate", "chart-flow", "chart-category"):
        leader.wait_for_selector(f"#{chart} canvas")
    assert leader.evaluate("document.body.dataset.chartsReady") == "4"
    total = leader.inner_text("[data-card=total] [data-value]")
    assert total.strip() == str(Petition.objects.filter(registered_at__year=timezone.localdate().year).count())
    leader.screenshot(path=f"{shots}/petitions_dashboard.png", full_page=True)
