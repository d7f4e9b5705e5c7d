"""执法文书 in a real browser: the officer opens the 陈述申辩 step of a case whose 处罚认定 is recorded, issues the
违法行为通知书 from the step's 生成文书 panel (confirming), downloads it, and anyone (no login) verifies it on
/verify/<code>/: the signature verifies and the downloaded file is byte-identical; the same file with one byte
changed fails."""

import re

import pytest

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_issue_download_and_verify_a_notice(browser, live_server, make_user, tree, shots, settings, tmp_path):
    from teis.documents.models import Document
    from teis.documents.tests._fixtures import case_at, open_task
    from teis.workflow import services as wf

    settings.MEDIA_ROOT = str(tmp_path / "media")
    wf.ensure_definitions(None)
    people = {
        "officer": make_user("field_officer", "squad1", username="e2e_doc_officer"),
        "squad": make_user("squad_leader", "squad1", username="e2e_doc_squad"),
        "brigade": make_user("brigade_leader", "brigade1", username="e2e_doc_brigade"),
    }
    case = case_at(people, tree, "Task_Statement")
    task = open_task(case, "Task_Statement")

    context = browser.new_context(base_url=live_server.url, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", "e2e_doc_officer")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))

    page.goto(f"/workflow/tasks/{task.pk}/", wait_until="domcontentloaded")
    panel = page.locator("#step-documents")
    assert "违法行为通知书" in panel.inner_text()
    panel.locator("[data-doc-issue=violation_notice]").click()
    page.click("#teis-confirm-ok")  # issuing is irreversible: the shell asks first
    page.wait_for_url(re.compile(rf"/workflow/tasks/{task.pk}/"))
    doc = Document.objects.get(case=case, doc_type__code="violation_notice")
    assert doc.number in page.locator("#step-documents").inner_text()
    page.screenshot(path=f"{shots}/documents-step-panel.png", full_page=True)

    with page.expect_download() as info:
        page.locator("#step-documents [data-doc-download=violation_notice]").first.click()
    path = tmp_path / "notice.pdf"
    info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")

    public = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()  # no login
    public.goto(f"/verify/{doc.verify_code}/")
    assert "签名有效" in public.locator("#verify-result").inner_text()
    assert public.locator("#verify-number").inner_text() == doc.number
    public.set_input_files("#verify-file", str(path))
    public.click("#verify-upload")
    public.wait_for_selector("#upload-result")
    assert "逐字节一致" in public.locator("#upload-result").inner_text()
    public.screenshot(path=f"{shots}/documents-verify.png", full_page=True)

    changed = bytearray(data)
    changed[len(changed) // 3] ^= 0x01
    bad = tmp_path / "notice-changed.pdf"
    bad.write_bytes(bytes(changed))
    public.set_input_files("#verify-file", str(bad))
    public.click("#verify-upload")
    public.wait_for_selector("#upload-result[data-identical='0']")
    assert "不一致" in public.locator("#upload-result").inner_text()

    public.goto("/verify/ABCD-EFGH-JKMN-PQR7/")
    assert "未找到" in public.locator("#verify-not-found").inner_text()
    context.close()
