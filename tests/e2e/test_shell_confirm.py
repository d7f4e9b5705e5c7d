"""Irreversible buttons ask first, in Chinese, in the shell's modal: 取消 sends nothing, 确定 goes on."""

import re

import pytest

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_file_case_asks_before_acting(page, make_user):
    from teis.cases.models import EnforcementCase

    officer = make_user("field_officer", "squad1", username="e2e_confirm_officer")
    case = EnforcementCase.objects.create(
        handler=officer, unit=officer.officer.unit, title="确认测试案件", status="pre_registered"
    )
    page.goto("/login/")
    page.fill("#id_username", officer.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/cases/{case.pk}/")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    page.click("#file-case-btn")
    dialog = page.locator("#teis-confirm")
    dialog.wait_for(state="visible")
    assert "统一案件编号" in dialog.inner_text() and "不可撤回" in dialog.inner_text()
    dialog.locator("text=取消").click()
    dialog.wait_for(state="hidden")
    assert posts == []

    page.click("#file-case-btn")
    dialog.wait_for(state="visible")
    with page.expect_navigation():
        page.click("#teis-confirm-ok")
    assert any(url.endswith(f"/cases/{case.pk}/file/") for url in posts), posts
    assert page.locator(".alert").first.is_visible()  # the service's answer (filed, or why not) shows


def test_htmx_confirm_uses_the_same_dialog(page, make_user):
    make_user("field_officer", "squad1", username="e2e_confirm_htmx")
    page.goto("/login/")
    page.fill("#id_username", "e2e_confirm_htmx")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))
    page.evaluate(
        """() => {
        const b = document.createElement('button');
        b.id = 'probe'; b.setAttribute('hx-get', '/'); b.setAttribute('hx-confirm', '将执行测试操作，确定？');
        b.setAttribute('hx-swap', 'none'); document.querySelector('main').appendChild(b); htmx.process(b);
    }"""
    )
    page.click("#probe")
    page.locator("#teis-confirm").wait_for(state="visible")
    assert "将执行测试操作" in page.inner_text("#teis-confirm-text")
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true"):
        page.click("#teis-confirm-ok")
