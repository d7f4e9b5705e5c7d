"""Form errors show in the browser: next to the field, in a summary at the top, with focus on the first
field in error — for HTMX forms answered 400 as well as ordinary posts."""

import re

import pytest
from django.urls import NoReverseMatch, reverse

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username):
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))


def assert_error_shown(page, text=None):
    summary = page.locator(".teis-error-summary")
    summary.wait_for(state="visible")
    if text:
        assert text in summary.inner_text()
        assert page.locator(".invalid-feedback", has_text=text).first.is_visible()
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('is-invalid')")


def test_pre_registration_error_from_htmx_400_is_shown(page, make_user, shots):
    make_user("field_officer", "squad1", username="e2e_form_officer")
    login(page, "e2e_form_officer")
    page.goto("/cases/new/")
    page.fill("#id_title", "出租汽车拒载")
    page.fill("input[name='parties-0-name']", "王某")
    page.fill("input[name='parties-0-id_number']", "110105194912310021")  # wrong check digit
    with page.expect_response(lambda r: "/cases/new/" in r.url and r.request.method == "POST") as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 400
    assert_error_shown(page, "校验位")
    assert page.evaluate("document.activeElement.name") == "parties-0-id_number"
    page.screenshot(path=f"{shots}/form-errors-pre-register.png", full_page=True)


def test_petition_registration_errors_are_shown(page, make_user):
    from teis.petitions.services.intake import ensure_categories

    ensure_categories()
    make_user("command_center", "corps", username="e2e_form_registrar")
    login(page, "e2e_form_registrar")
    page.goto("/petitions/new/")
    page.click("#register-submit")
    assert_error_shown(page)
    assert page.locator(".invalid-feedback").first.is_visible()


def test_every_generic_add_form_shows_its_errors(page, make_user):
    from teis.core.registry import registry

    user = make_user("system_admin", "corps", username="e2e_form_root")
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    login(page, "e2e_form_root")
    checked = []
    for config in registry.configs.values():
        if config.ui_read_only:
            continue
        try:
            url = reverse(config.url_name("add"))
        except NoReverseMatch:
            continue
        page.goto(url)
        form = page.locator("main form.teis-card").first
        if form.locator("label .text-danger").count() == 0:
            continue  # nothing required: an empty form is valid
        for field in form.locator("input[type=text], input[type=number], textarea, select").all():
            if field.evaluate("el => el.tagName") == "SELECT":
                if not field.evaluate("el => el.multiple"):
                    field.select_option(index=0)
            elif field.is_visible():
                field.fill("")
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator(".teis-error-summary").is_visible(), url
        assert page.locator(".invalid-feedback").first.is_visible(), url
        page.wait_for_function("document.activeElement.classList.contains('is-invalid')")
        checked.append(url)
    assert len(checked) >= 20, checked


@pytest.mark.parametrize(
    "url, submit, message, asks",
    [
        ("/cases/sampling/", "#draw-form button", "随机抽取须填写抽取数量", True),
        ("/analytics/reports/generate/", "#generate-submit", None, False),
        ("/finance/my-stock/", "#void-form button", None, True),
        ("/legal/discretionbenchmark/add/", "main form button[type=submit]", None, False),
    ],
)
def test_hand_written_forms_show_their_errors_like_the_generic_ones(page, make_user, url, submit, message, asks):
    """The pages with a form of their own (抽查, 法定月报, 作废票证, 裁量基准) use the same summary and
    inline messages as the generic forms, and focus the first field in error."""
    user = make_user("system_admin", "corps", username="e2e_form_own")
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    login(page, "e2e_form_own")
    page.goto(url)
    form = page.locator(submit).first.locator("xpath=ancestor::form")
    for field in form.locator("input[type=text], input[type=number], textarea").all():
        if field.is_visible():
            field.fill("")
    page.locator(submit).first.click()
    if asks:  # irreversible: the shell asks first
        page.locator("#teis-confirm").wait_for(state="visible")
        page.click("#teis-confirm-ok")
    page.wait_for_load_state()
    assert_error_shown(page, message)
