"""指挥勤务指令 reach their units (issue 21 §3, spec §2.6.3.5): the target units and everything below them see the
order, their leaders get a todo and a notification, acknowledge it (签收) and report feedback (反馈); the command
centre's order page shows per target unit who acknowledged, when, who is late, and the feedback. The API and the
page refuse the same requests with the same Chinese message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from teis.core.models import Notification, TodoItem, TodoStatus
from teis.core.testing import logged_in_client
from teis.dispatch.models import DutyOrder, OrderFeedback, OrderReceipt

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    return {
        "command": make_user("command_center", "corps", username="zhihui"),
        "lead1": make_user("brigade_leader", "brigade1", username="dadui1"),
        "lead2": make_user("brigade_leader", "brigade2", username="dadui2"),
        "district": make_user("brigade_leader", "district", username="pudong"),
        "officer1": make_user("field_officer", "squad1", username="duiyuan1"),
        "squad1": make_user("squad_leader", "squad1", username="zhongdui1"),
    }


def _api_base(people):
    from teis.core.api.viewsets import api_slug
    from teis.core.registry import registry

    return f"/api/v1/{api_slug(registry.get('dispatch.dutyorder'))}/"


def _send(people, tree, **extra):
    client = logged_in_client(people["command"])
    data = {
        "unit": tree["corps"].pk,
        "title": "火车站客流保障",
        "content": "请加派力量整治议价拒载",
        "target_units": [tree["brigade1"].pk, tree["brigade2"].pk],
        "ack_deadline": (timezone.now() + dt.timedelta(hours=1)).isoformat(),
        **extra,
    }
    resp = client.post(_api_base(people), data, content_type="application/json")
    assert resp.status_code == 201, resp.content.decode()
    return DutyOrder.objects.get(pk=resp.json()["id"])


def test_order_reaches_target_units_and_their_subtree(people, tree):
    order = _send(people, tree)
    assert set(OrderReceipt.objects.filter(order=order).values_list("unit_id", flat=True)) == {
        tree["brigade1"].pk,
        tree["brigade2"].pk,
    }
    for who in ("lead1", "lead2"):
        todo = TodoItem.objects.get(user=people[who], status=TodoStatus.OPEN)
        assert todo.title == "签收勤务指令：火车站客流保障" and todo.url == f"/dispatch/dutyorder/{order.pk}/"
        assert Notification.objects.filter(user=people[who], title__contains="火车站客流保障").exists()
    # squad leaders and officers hold no todo (the brigade's leaders acknowledge), but they see the order
    assert not TodoItem.objects.filter(user__in=[people["officer1"], people["district"]]).exists()
    base = _api_base(people)
    for who in ("lead1", "lead2", "officer1", "squad1"):
        client = logged_in_client(people[who])
        assert client.get(f"{base}{order.pk}/").status_code == 200, who
        assert [r["id"] for r in client.get(base).json()["results"]] == [order.pk], who
    # a brigade the order was not sent to does not see it
    assert logged_in_client(people["district"]).get(f"{base}{order.pk}/").status_code == 404


def test_acknowledge_once_with_the_same_refusals_on_api_and_page(people, tree):
    order = _send(people, tree)
    base, page = _api_base(people), f"/dispatch/dutyorder/{order.pk}/"
    lead1 = logged_in_client(people["lead1"])
    assert 'value="acknowledge"' in lead1.get(page).content.decode()
    resp = lead1.post(f"{base}{order.pk}/acknowledge/", {}, content_type="application/json")
    assert resp.status_code == 200, resp.content.decode()
    receipt = OrderReceipt.objects.get(order=order, unit=tree["brigade1"])
    assert receipt.acknowledged_by == people["lead1"] and receipt.acknowledged_at is not None
    assert not TodoItem.objects.filter(user=people["lead1"], status=TodoStatus.OPEN, title__startswith="签收").exists()
    assert TodoItem.objects.filter(user=people["lead1"], status=TodoStatus.OPEN, title__startswith="反馈").exists()
    assert TodoItem.objects.filter(user=people["lead2"], status=TodoStatus.OPEN).count() == 1  # still to acknowledge
    # twice: 400 with the same message on the API and the page, nothing written
    resp = lead1.post(f"{base}{order.pk}/acknowledge/", {}, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["code"] == "bad_state"
    message = resp.json()["message"]
    assert "第一大队已于" in message and "签收该指令" in message
    resp = lead1.post(page, {"_action": "acknowledge"})
    assert resp.status_code == 400 and message in resp.content.decode()
    assert OrderReceipt.objects.get(pk=receipt.pk).acknowledged_at == receipt.acknowledged_at
    # not sent to your unit: 404 on both, also for a user whose scope lets them read the order
    for who in ("district", "command"):
        client = logged_in_client(people[who])
        resp = client.post(f"{base}{order.pk}/acknowledge/", {}, content_type="application/json")
        assert resp.status_code == 404 and resp.json()["code"] == "not_found", who
        assert client.post(page, {"_action": "acknowledge"}).status_code == 404, who
    assert 'value="acknowledge"' not in logged_in_client(people["command"]).get(page).content.decode()


def test_feedback_after_acknowledgement_and_the_command_page(people, tree):
    order = _send(people, tree)
    base, page = _api_base(people), f"/dispatch/dutyorder/{order.pk}/"
    lead2 = logged_in_client(people["lead2"])
    resp = lead2.post(f"{base}{order.pk}/feedback/", {"content": "已部署"}, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["code"] == "not_acknowledged"
    message = resp.json()["message"]
    resp = lead2.post(page, {"_action": "feedback", "feedback-content": "已部署"})
    assert resp.status_code == 400 and message in resp.content.decode()
    assert not OrderFeedback.objects.exists()
    assert lead2.post(f"{base}{order.pk}/acknowledge/", {}, content_type="application/json").status_code == 200
    resp = lead2.post(page, {"_action": "feedback", "feedback-content": "第三中队已在南广场布控"})
    assert resp.status_code == 302
    assert OrderFeedback.objects.get().unit == tree["brigade2"]
    assert not TodoItem.objects.filter(user=people["lead2"], status=TodoStatus.OPEN).exists()
    # the command centre's page: brigade2 acknowledged (by whom) and reported; brigade1 late once the deadline passed
    DutyOrder.objects.filter(pk=order.pk).update(ack_deadline=timezone.now() - dt.timedelta(minutes=1))
    html = logged_in_client(people["command"]).get(page).content.decode()
    assert 'id="order-receipts"' in html
    row2 = html[html.index(f'data-unit="{tree["brigade2"].pk}"') :]
    row1 = html[html.index(f'data-unit="{tree["brigade1"].pk}"') : html.index(f'data-unit="{tree["brigade2"].pk}"')]
    assert "已签收" in row2 and people["lead2"].officer.name in row2 and "第三中队已在南广场布控" in row2
    assert "逾期未签收" in row1
    assert Notification.objects.filter(user=people["command"], title__contains="第二大队反馈").exists()


def test_targets_change_and_close(people, tree):
    order = _send(people, tree)
    base = _api_base(people)
    command = logged_in_client(people["command"])
    assert (
        logged_in_client(people["lead1"])
        .post(f"{base}{order.pk}/acknowledge/", {}, content_type="application/json")
        .status_code
        == 200
    )
    # an acknowledged unit cannot be taken off the order; an unacknowledged one can, and loses its todo
    resp = command.patch(f"{base}{order.pk}/", {"target_units": [tree["brigade2"].pk]}, content_type="application/json")
    assert resp.status_code == 400 and "第一大队已签收" in resp.json()["message"]
    resp = command.patch(
        f"{base}{order.pk}/",
        {"target_units": [tree["brigade1"].pk, tree["district"].pk]},
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content.decode()
    assert not TodoItem.objects.filter(user=people["lead2"], status=TodoStatus.OPEN).exists()
    assert TodoItem.objects.filter(user=people["district"], status=TodoStatus.OPEN).exists()
    assert logged_in_client(people["lead2"]).get(f"{base}{order.pk}/").status_code == 404
    # 办结 ends every open todo of the order
    assert command.post(f"{base}{order.pk}/close/", {}, content_type="application/json").status_code == 200
    assert not TodoItem.objects.filter(status=TodoStatus.OPEN, url=f"/dispatch/dutyorder/{order.pk}/").exists()
