"""Steps the browser tests share."""

from __future__ import annotations

import re

from teis.org.demo import DEMO_PASSWORD


def sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in on the login page as `username` (signing out whoever was signed in), landing on the home page."""
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))
