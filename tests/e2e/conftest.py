"""Browser-test fixtures: one headless Debian Chromium per session, a fresh context per test."""

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = "/tmp/teis-shots"


@pytest.fixture
def browser():
    # Per test, not per session: Playwright's sync API keeps an event loop running in the main thread while it
    # is open, which would break the asyncio tests (gateways, listeners) that xdist runs on the same worker.
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        pytest.skip("Debian chromium 未安装（make install 会安装）")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def shots():
    os.makedirs(SHOTS, exist_ok=True)
    return SHOTS
