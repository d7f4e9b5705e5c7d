"""Jobs of 票证与罚没款: 加处罚款 daily, pushing payment orders (with backoff), the simulator's notifications,
电子票据 requests and their retries."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from teis.core.jobs import crontab, recorded_periodic


@recorded_periodic(crontab(minute="5", hour="1"), label="罚没款加处罚款计算")
def refresh_late_fees() -> str:
    from .services.fines import refresh_late_fees as run

    return f"更新应收款 {run()} 笔"


@recorded_periodic(crontab(minute="*/5"), label="缴款订单推送重试与电子票据补开")
def retry_platform() -> str:
    from .services.ereceipts import retry_failed
    from .services.payments import retry_due_orders

    return f"重推订单 {retry_due_orders()} 笔，补开电子票据 {retry_failed()} 张"


@db_task(retries=3, retry_delay=10)
def push_order_task(order_id: int) -> str:
    from .services.payments import push_order

    return push_order(order_id)


@db_task(retries=5, retry_delay=30)
def deliver_sim_notice(order_no: str) -> str:
    from .services.platform import deliver_notice

    return deliver_notice(order_no)


@db_task(retries=3, retry_delay=60)
def request_ereceipt_task(payment_id: int) -> str:
    from .services.ereceipts import request_ereceipt

    return request_ereceipt(payment_id).status
