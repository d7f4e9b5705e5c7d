"""The shell on a phone (375 × 812): a menu button opens the side menu, and no page an officer, a squad
leader or a leader reaches from the menu is wider than the screen."""

import re

import pytest
from django.urls import reverse

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def phone_page(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))
    return page


def menu_urls(user) -> list[str]:
    from teis.core.registry import registry

    urls = ["/"]
    for _group, _icon, entries in registry.menu_for(user):
        urls += [reverse(e.url_name) for e in entries]
    return urls


def too_wide(page) -> list[str]:
    """What sticks out past the right edge (for the failure message)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
          .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                        && el.offsetParent !== null)
          .slice(0, 4)
          .map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))"""
    )


@pytest.mark.parametrize(
    "role, unit", [("field_officer", "squad1"), ("squad_leader", "squad1"), ("leadership", "corps")]
)
def test_menu_pages_fit_a_phone(browser, live_server, make_user, role, unit, shots):
    user = make_user(role, unit, username=f"e2e_phone_{role}")
    page = phone_page(browser, live_server, user.username)
    assert not page.locator("#side-menu").is_visible()
    page.click("#menu-toggle")
    page.wait_for_selector("#side-menu.show:not(.showing)")
    assert page.locator("#side-menu .nav-link").first.is_visible()
    page.screenshot(path=f"{shots}/phone-menu-{role}.png")
    wide = {}
    for url in menu_urls(user):
        response = page.goto(url)
        assert response.status < 400, (url, response.status)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[url] = (width, too_wide(page))
    page.goto("/")
    page.screenshot(path=f"{shots}/phone-home-{role}.png", full_page=True)
    assert not wide, wide
