"""The documents from the pages: 生成文书 on the step's task page (preview, issue), the case page's documents,
download and 副本, the public verification page (no login; upload check; 未找到; rate limit), 扫码查案, the
template editor (unknown placeholder named; a new version) and the electronic case file."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from teis.core.testing import logged_in_client
from teis.documents.models import CaseFile, Document, DocumentTemplate, DocumentType
from teis.documents.services import issuing

from ._fixtures import case_at, open_task
from .factories import ready_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_issue_from_the_step_page_then_download_and_verify(people, tree, media):
    officer = people["officer"]
    case = case_at(people, tree, "Task_Statement")
    client = logged_in_client(officer)
    page = client.get(reverse("workflow:task", args=[open_task(case, "Task_Statement").pk]))
    html = page.content.decode()
    assert "生成文书" in html and 'data-doc-issue="violation_notice"' in html
    preview = client.get(reverse("documents:preview", args=[case.pk, "violation_notice"]))
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF-")
    task_url = reverse("workflow:task", args=[open_task(case, "Task_Statement").pk])
    resp = client.post(reverse("documents:issue", args=[case.pk, "violation_notice"]), {"next": task_url})
    assert resp.status_code == 302 and resp.url == task_url
    doc = Document.objects.get(case=case)
    assert doc.step == "Task_Statement" and doc.issued_by == officer
    case_page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert doc.number in case_page and "执法文书" in case_page
    original = client.get(reverse("documents:download", args=[doc.pk]))
    assert original.content == issuing.read_pdf(doc)
    copy = client.get(reverse("documents:reprint", args=[doc.pk]))
    assert copy.status_code == 200 and copy.content != original.content
    # the public page, no login
    anon = Client()
    url = reverse("documents_verify:verify", args=[doc.verify_code])
    html = anon.get(url).content.decode()
    assert "签名有效" in html and doc.number in html and doc.sm3 in html
    same = anon.post(url, {"file": SimpleUploadedFile("a.pdf", original.content)}).content.decode()
    assert "逐字节一致" in same
    changed = bytearray(original.content)
    changed[1000] ^= 0x20
    resp = anon.post(url, {"file": SimpleUploadedFile("a.pdf", bytes(changed))})
    assert resp.status_code == 200 and "不一致" in resp.content.decode()
    resp = anon.post(url, {"file": SimpleUploadedFile("a.docx", b"PK\x03\x04garbage")})
    assert resp.status_code == 400 and "不是 PDF" in resp.content.decode()
    # the task panel now lists the issued one; another user out of scope cannot open it
    assert doc.number in client.get(task_url).content.decode()
    other = logged_in_client(people["other"])
    assert other.get(reverse("documents:download", args=[doc.pk])).status_code == 404
    assert other.post(reverse("documents:issue", args=[case.pk, "violation_notice"])).status_code == 404
    # 扫码查案: the case code opens the case, the 文号 the document
    resp = client.get(reverse("documents:scan"), {"q": case.case_code})
    assert resp.status_code == 302 and resp.url == reverse("cases:case_detail", args=[case.pk])
    resp = client.get(reverse("documents:scan"), {"q": doc.number})
    assert resp.status_code == 302 and resp.url == reverse("documents:document_detail", args=[doc.pk])
    assert "未找到" in client.get(reverse("documents:scan"), {"q": "310000000000000000"}).content.decode()


@pytest.mark.embedded
def test_forged_codes_show_not_found_and_the_page_is_rate_limited(db, settings):
    settings.TEIS_VERIFY_RATE = 3
    anon = Client(REMOTE_ADDR="203.0.113.9")
    for code in ("ABCD-EFGH-JKMN-PQR7", "0000000000000000", "<script>"):
        resp = anon.get(reverse("documents_verify:verify", args=[code]))
        assert resp.status_code == 404 and "未找到" in resp.content.decode()
    resp = anon.get(reverse("documents_verify:verify", args=["ABCD-EFGH-JKMN-PQR7"]))
    assert resp.status_code == 429 and "请求过于频繁" in resp.content.decode()
    assert Client(REMOTE_ADDR="203.0.113.10").get(reverse("documents_verify:verify_home")).status_code == 200


def test_template_editor_names_an_unknown_placeholder_and_saves_a_version(make_user, roles):
    legal = make_user("legal_reviewer", "corps", username="doc_tpl_legal")
    client = logged_in_client(legal)
    doc_type = DocumentType.objects.get(code="hearing_notice")
    url = reverse("documents:template_edit", args=[doc_type.pk])
    source = client.get(url).context["source"]
    resp = client.post(url, {"source": source.replace("{{ party.name }}", "{{ party.nickname }}"), "do": "save"})
    assert resp.status_code == 400 and "party.nickname" in resp.content.decode()
    resp = client.post(url, {"source": source.replace("请准时出席", "请准时出席并携带身份证件"), "do": "preview"})
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF-")
    resp = client.post(
        url, {"source": source.replace("请准时出席", "请准时出席并携带身份证件"), "note": "补充", "do": "save"}
    )
    assert resp.status_code == 302
    assert DocumentTemplate.objects.filter(doc_type=doc_type).order_by("-version").first().version == 2
    officer = make_user("field_officer", "squad1", username="doc_tpl_officer")
    assert logged_in_client(officer).get(url).status_code == 403


def test_case_file_from_the_case_page(make_user, roles, tree, media, django_capture_on_commit_callbacks):
    officer = make_user("field_officer", "squad1", username="doc_cf_officer")
    case = ready_case(tree["squad1"], officer)
    for code in ("violation_notice", "correction_order"):
        issuing.issue_document(officer, case, code)
    client = logged_in_client(officer)
    assert "生成电子卷宗" in client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("documents:casefile_request", args=[case.pk]))
    casefile = CaseFile.objects.get(case=case)
    assert resp.status_code == 302 and resp.url == reverse("documents:casefile_progress", args=[casefile.pk])
    html = client.get(resp.url).content.decode()
    assert "已完成" in html and "下载电子卷宗" in html
    data = client.get(reverse("documents:casefile_download", args=[casefile.pk])).content
    assert data.startswith(b"%PDF-") and casefile.pages >= 2 + 2 + 2  # cover, contents, 2 documents of 2 联, evidence
