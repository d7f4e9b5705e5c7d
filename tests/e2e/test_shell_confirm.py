"""Irreversible buttons ask first, in Chinese, in the shell's modal: 取消 sends nothing, 确定 goes on."""

import re

import pytest

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_delete_asks_before_acting(page, make_user):
    from teis.cases.models import SavedQuery

    officer = make_user("field_officer", "squad1", username="e2e_confirm_officer")
    saved = SavedQuery.objects.create(
        name="拒载案件",
        definition=[{"field": "title", "op": "contains", "value": "拒载"}],
        created_by=officer,
    )
    page.goto("/login/")
    page.fill("#id_username", officer.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/cases/query/custom/{saved.pk}/")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    delete = page.locator("button[name=action][value=delete]")

    delete.click()
    dialog = page.locator("#teis-confirm")
    dialog.wait_for(state="visible")
    assert "删除" in dialog.inner_text() and "不能恢复" in dialog.inner_text()
    dialog.locator("text=取消").click()
    dialog.wait_for(state="hidden")
    assert posts == [] and SavedQuery.objects.filter(pk=saved.pk).exists()

    delete.click()
    dialog.wait_for(state="visible")
    with page.expect_navigation():
        page.click("#teis-confirm-ok")
    assert posts and not SavedQuery.objects.filter(pk=saved.pk).exists()


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
