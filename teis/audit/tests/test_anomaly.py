from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from teis.audit.anomaly import DEFAULT_RULES, ensure_default_rules, evaluate_rules, is_working_hour
from teis.audit.choices import AuditAction
from teis.audit.models import AnomalyRule, AuditAlert, AuditRecord
from teis.core.models import Notification

pytestmark = pytest.mark.django_db

Kind = AnomalyRule.Kind


def local(hour, minute=0):
    """Today at hour:minute, Beijing time."""
    today = timezone.localdate()
    return timezone.make_aware(datetime(today.year, today.month, today.day, hour, minute))


@pytest.fixture
def only(db):
    """Enable just one rule kind, with the given settings."""

    def setup(kind, **values):
        ensure_default_rules()
        AnomalyRule.objects.exclude(kind=kind).update(enabled=False)
        AnomalyRule.objects.filter(kind=kind).update(**{"enabled": True, **values})
        return AnomalyRule.objects.get(kind=kind)

    return setup


def failed_login(record_at, at, username, ip):
    from teis.core import context

    token = context.set_current(context.RequestContext(ip=ip or None, user_agent="pytest"))
    try:
        return record_at(at, None, AuditAction.LOGIN_FAILED, detail={"username": username, "reason": "密码错误"})
    finally:
        context.reset(token)


def test_default_rules_exist_and_are_not_overwritten():
    ensure_default_rules()
    # the audit kinds plus those other apps register (evidence adds bulk downloads and deletion attempts)
    assert set(AnomalyRule.objects.values_list("kind", flat=True)) == set(DEFAULT_RULES) >= set(Kind.values)
    AnomalyRule.objects.filter(kind=Kind.FAILED_LOGINS).update(threshold=3)
    ensure_default_rules()
    assert AnomalyRule.objects.get(kind=Kind.FAILED_LOGINS).threshold == 3


def test_working_hours():
    assert is_working_hour(7, 7, 21) and is_working_hour(20, 7, 21)
    assert not is_working_hour(21, 7, 21) and not is_working_hour(3, 7, 21)
    assert is_working_hour(23, 22, 6) and is_working_hour(2, 22, 6) and not is_working_hour(12, 22, 6)


# --- repeated failed logins ----------------------------------------------------------------------------


def test_failed_logins_for_one_username_alert(only, record_at, auditor):
    only(Kind.FAILED_LOGINS, threshold=5, window_minutes=10)
    now = local(10)
    for i in range(5):
        failed_login(record_at, now - timedelta(minutes=i), "zhangsan", f"10.0.0.{i}")
    alerts = evaluate_rules(now)
    assert [a.subject for a in alerts] == ["账号:zhangsan"]
    assert "5 次" in alerts[0].message
    note = Notification.objects.get(user=auditor)
    assert note.level == "alarm" and "频繁登录失败" in note.title
    assert note.url == f"/audit/auditalert/{alerts[0].pk}/"
    # the alert itself is audited as a system event
    assert AuditRecord.objects.filter(action=AuditAction.ALERT, object_id=str(alerts[0].pk)).exists()


def test_failed_logins_from_one_ip_alert(only, record_at):
    only(Kind.FAILED_LOGINS, threshold=4, window_minutes=10)
    now = local(10)
    for i in range(4):
        failed_login(record_at, now - timedelta(minutes=i), f"user{i}", "192.168.1.9")
    assert [a.subject for a in evaluate_rules(now)] == ["IP:192.168.1.9"]


def test_failed_logins_below_threshold_or_outside_window_do_not_alert(only, record_at, auditor):
    only(Kind.FAILED_LOGINS, threshold=5, window_minutes=10)
    now = local(10)
    for i in range(4):
        failed_login(record_at, now - timedelta(minutes=i), "lisi", f"10.0.1.{i}")
    failed_login(record_at, now - timedelta(minutes=11), "lisi", "10.0.1.99")  # outside the window
    assert evaluate_rules(now) == []
    assert not Notification.objects.filter(user=auditor).exists()


def test_same_subject_is_not_alerted_twice_in_one_window(only, record_at, auditor):
    only(Kind.FAILED_LOGINS, threshold=3, window_minutes=10)
    now = local(10)
    for i in range(3):
        failed_login(record_at, now - timedelta(minutes=i), "wangwu", "10.0.2.1")
    assert len(evaluate_rules(now)) == 2  # the account and the IP
    assert evaluate_rules(now) == []
    failed_login(record_at, now + timedelta(minutes=4), "wangwu", "10.0.2.1")
    assert evaluate_rules(now + timedelta(minutes=5)) == []  # still the same window
    assert AuditAlert.objects.count() == 2
    assert Notification.objects.filter(user=auditor).count() == 2
    # a new burst after the window closed alerts again
    later = now + timedelta(minutes=30)
    for i in range(3):
        failed_login(record_at, later - timedelta(minutes=i), "wangwu", "10.0.2.1")
    assert len(evaluate_rules(later)) == 2


def test_disabled_rule_does_not_alert(only, record_at):
    only(Kind.FAILED_LOGINS, threshold=1, enabled=False)
    now = local(10)
    failed_login(record_at, now, "zhaoliu", "10.0.3.1")
    assert evaluate_rules(now) == []


# --- access at unusual hours ---------------------------------------------------------------------------


def test_actions_at_night_alert(only, record_at, make_user):
    only(Kind.OFF_HOURS, threshold=1, window_minutes=60, start_hour=7, end_hour=21)
    user = make_user(name="夜猫子")
    now = local(23, 30)
    record_at(now - timedelta(minutes=20), user, AuditAction.VIEW, object_repr="案件")
    alerts = evaluate_rules(now)
    assert len(alerts) == 1
    assert alerts[0].subject.startswith("夜猫子(")
    assert "07:00–21:00" in alerts[0].message


def test_actions_in_working_hours_or_by_the_system_do_not_alert(only, record_at, make_user):
    only(Kind.OFF_HOURS, threshold=1, window_minutes=60, start_hour=7, end_hour=21)
    user = make_user()
    record_at(local(10), user, AuditAction.VIEW)
    assert evaluate_rules(local(10, 30)) == []
    record_at(local(23), None, AuditAction.LOGIN_FAILED, detail={"username": "x"})  # no actor
    assert evaluate_rules(local(23, 30)) == []


# --- export volume -------------------------------------------------------------------------------------


def test_export_volume_above_threshold_alerts(only, record_at, make_user):
    only(Kind.EXPORT_VOLUME, threshold=1000, window_minutes=60)
    user = make_user(name="导出者")
    now = local(10)
    record_at(now - timedelta(minutes=50), user, AuditAction.EXPORT, detail={"model": "org.officer", "rows": 600})
    record_at(now - timedelta(minutes=5), user, AuditAction.EXPORT, detail={"model": "org.unit", "rows": 401})
    alerts = evaluate_rules(now)
    assert len(alerts) == 1 and alerts[0].subject.startswith("导出者(")
    assert "1001" in alerts[0].message


def test_export_volume_at_threshold_or_spread_over_users_does_not_alert(only, record_at, make_user):
    only(Kind.EXPORT_VOLUME, threshold=1000, window_minutes=60)
    a, b = make_user(), make_user()
    now = local(10)
    record_at(now - timedelta(minutes=10), a, AuditAction.EXPORT, detail={"rows": 1000})
    record_at(now - timedelta(minutes=10), b, AuditAction.EXPORT, detail={"rows": 900})
    record_at(now - timedelta(minutes=61), b, AuditAction.EXPORT, detail={"rows": 900})  # outside the window
    record_at(now - timedelta(minutes=5), b, AuditAction.EXPORT, detail={"rows": "n/a"})  # unreadable: 0
    assert evaluate_rules(now) == []


# --- bursts of views -----------------------------------------------------------------------------------


def test_burst_of_views_and_reveals_alerts(only, record_at, make_user):
    only(Kind.VIEW_BURST, threshold=5, window_minutes=10)
    user = make_user(name="偷看者")
    now = local(10)
    for i in range(4):
        record_at(now - timedelta(minutes=i), user, AuditAction.VIEW, object_repr=f"人员{i}")
    for i in range(2):
        record_at(now - timedelta(seconds=30 + i), user, AuditAction.REVEAL, detail={"field": "id_number"})
    alerts = evaluate_rules(now)
    assert len(alerts) == 1 and alerts[0].subject.startswith("偷看者(")
    assert "6 次" in alerts[0].message


def test_views_at_threshold_do_not_alert(only, record_at, make_user):
    only(Kind.VIEW_BURST, threshold=5, window_minutes=10)
    user = make_user()
    now = local(10)
    for i in range(5):
        record_at(now - timedelta(minutes=i), user, AuditAction.VIEW)
    record_at(now - timedelta(minutes=1), user, AuditAction.UPDATE)  # not a view
    assert evaluate_rules(now) == []


def test_alerts_go_to_every_audit_admin_only(only, record_at, make_user, auditor, sysadmin):
    second = make_user("audit_admin", "corps", username="auditor2")
    only(Kind.FAILED_LOGINS, threshold=1, window_minutes=10)
    now = local(10)
    failed_login(record_at, now, "ghost", "")
    (alert,) = evaluate_rules(now)
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"auditor", "auditor2"}
    assert not Notification.objects.filter(user=sysadmin).exists()
    assert second.notifications.get().url.endswith(f"/{alert.pk}/")


def test_periodic_job(only, record_at, auditor):
    from teis.audit.tasks import evaluate_anomaly_rules
    from teis.core.jobs import PERIODIC
    from teis.core.models import JobRun

    job = PERIODIC["teis.audit.tasks.evaluate_anomaly_rules"]
    assert job.label == "审计异常分析"
    nxt = job.next_run(local(10, 1))
    assert nxt.minute % 5 == 0
    only(Kind.FAILED_LOGINS, threshold=2, window_minutes=10)
    for _ in range(2):
        failed_login(record_at, timezone.now() - timedelta(minutes=1), "job", "10.9.9.9")
    evaluate_anomaly_rules.call_local()
    run = JobRun.objects.get(name="teis.audit.tasks.evaluate_anomaly_rules")
    assert run.ok and "2" in run.result


# --- configuring the rules -----------------------------------------------------------------------------


@pytest.fixture
def rule_editor(make_user):
    from django.contrib.auth.models import Permission

    from teis.org.models import Role

    role = Role.objects.create(code="rule_editor", name="审计规则配置", data_scope="all", admin_kind="audit")
    role.permissions.set(
        Permission.objects.filter(
            content_type__app_label="audit",
            codename__in=["view_anomalyrule", "add_anomalyrule", "change_anomalyrule", "delete_anomalyrule"],
        )
    )
    user = make_user(None, "corps", username="ruler")
    user.officer.roles.set([role])
    return user


def test_rules_are_configured_through_the_audited_generic_pages(rule_editor):
    from teis.core.testing import logged_in_client

    ensure_default_rules()
    rule = AnomalyRule.objects.get(kind=Kind.OFF_HOURS)
    client = logged_in_client(rule_editor)
    assert "非工作时间访问" in client.get("/audit/anomalyrule/").content.decode()
    form = {"enabled": "on", "threshold": 3, "window_minutes": 30, "start_hour": 8, "end_hour": 18}
    assert client.post(f"/audit/anomalyrule/{rule.pk}/edit/", form).status_code == 302
    rule.refresh_from_db()
    assert (rule.threshold, rule.window_minutes, rule.start_hour, rule.end_hour) == (3, 30, 8, 18)
    change = AuditRecord.objects.filter(action=AuditAction.UPDATE, object_type="audit.anomalyrule").get()
    assert change.actor == rule_editor and change.changes["阈值"] == [1, 3]

    bad = client.post(f"/audit/anomalyrule/{rule.pk}/edit/", form | {"end_hour": 24})
    assert bad.status_code == 400 and "0 到 23" in bad.content.decode()
    assert client.post(f"/audit/anomalyrule/{rule.pk}/delete/").status_code == 302
    assert AnomalyRule.objects.filter(pk=rule.pk).exists()
    response = client.post("/audit/anomalyrule/add/", form | {"kind": Kind.OFF_HOURS})
    assert response.status_code == 400
    assert AnomalyRule.objects.count() == len(DEFAULT_RULES)
