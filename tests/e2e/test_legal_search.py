"""Searching the law base in a real browser: suggestions while typing, a result opens the provision."""

import datetime as dt
import re

import pytest

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TAXI = """上海市出租汽车管理条例
（1995年通过　2019年修正）
第一章　总则
第一条　为了加强本市出租汽车管理，制定本条例。
第二章　营运服务
第三十七条　出租汽车驾驶员营运时应当遵守下列规定：
（一）按照规定使用计价器；
（二）不得拒载乘客；
（三）不得议价。
第三十八条　出租汽车调度服务应当规范。
"""


def test_search_and_open_provision(page, make_user, shots):
    from teis.legal.choices import EffectLevel
    from teis.legal.services.laws import do_create_law, do_import_version

    reviewer = make_user("legal_reviewer", "corps", username="fazhi")
    law = do_create_law(reviewer, {"name": "上海市出租汽车管理条例", "effect_level": EffectLevel.LOCAL_REGULATION})
    version = do_import_version(reviewer, law, TAXI, label="2019年修正", effective_from=dt.date(2020, 5, 1))
    item = version.provisions.get(key="a37.1.2")
    make_user("field_officer", "squad1", username="zhaoliu")

    page.goto("/login/")
    page.fill("#id_username", "zhaoliu")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))
    page.click("#side-menu >> text=法规检索")
    page.wait_for_url(re.compile(r"/legal/search/"))

    # Chinese is entered through an IME: the text arrives without key events, the IME's last key gives keyup
    page.fill("#id_q", "出租")
    page.press("#id_q", "End")
    suggestion = page.locator("#suggestions [data-suggest]").first
    suggestion.wait_for()
    assert "出租" in suggestion.inner_text()

    page.press("#id_q", "Escape")
    assert page.locator("#suggestions [data-suggest]").count() == 0
    page.fill("#id_q", "拒载")
    page.click("#search-btn")
    page.wait_for_selector("#search-results")
    results = page.locator("#search-results .result-link")
    texts = results.all_inner_texts()
    assert "《上海市出租汽车管理条例》第三十七条第（二）项" in texts, texts
    page.screenshot(path=f"{shots}/legal_search.png", full_page=True)

    page.click("#search-results .result-link >> text=第三十七条第（二）项")
    page.wait_for_url(re.compile(rf"/legal/laws/{law.pk}/tree/.*#p-{item.stable_id}$"))
    target = page.locator(f"#p-{item.stable_id}")
    assert target.is_visible() and "不得拒载乘客" in target.inner_text()
    assert page.evaluate("location.hash") == f"#p-{item.stable_id}"
    page.screenshot(path=f"{shots}/legal_tree.png", full_page=True)
