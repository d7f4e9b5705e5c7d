"""The documents' rules: missing facts refuse with the list, 文号 per unit / type / year and never reused,
template placeholders validated on save (the unknown one named), versions kept, signatures that verify and
fail once a byte changes, the verification upload check, 副本 and 作废 with approval, the cases' hook."""

from __future__ import annotations

from decimal import Decimal

import pytest

from teis.cases import steps
from teis.core.services import ServiceError
from teis.documents import facts as facts_module
from teis.documents.choices import DocumentStatus
from teis.documents.models import Document, DocumentTemplate, DocumentType
from teis.documents.services import catalogue, issuing, verification
from teis.documents.services.seals import public_key_pem, verify_digest

from .factories import ready_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def officer(make_user, roles):
    return make_user("field_officer", "squad1", username="doc_rules_officer")


@pytest.mark.embedded
def test_catalogue_has_the_46_formats_each_with_a_valid_template():
    catalogue.ensure_catalogue()
    types = list(DocumentType.objects.all())
    assert len(types) == 46
    for t in types:
        tpl = catalogue.current_template(t)
        catalogue.check_source(tpl.source)  # every generated template passes its own validation
        assert t.steps and t.abbr


@pytest.mark.embedded
def test_missing_facts_refuse_with_the_chinese_list(tree, officer, media):
    case = ready_case(tree["squad1"], officer, fine_amount=None)
    case.parties.all().delete()
    with pytest.raises(ServiceError) as err:
        issuing.issue_document(officer, case, "violation_notice")
    assert err.value.code == "missing_facts"
    assert "当事人姓名/名称" in err.value.message and "罚款金额（元）" in err.value.message
    assert err.value.fields["__all__"] == ["当事人姓名/名称", "罚款金额（元）"]
    assert not Document.objects.exists()


@pytest.mark.embedded
def test_issue_numbers_signs_and_verifies(tree, officer, media):
    case = ready_case(tree["squad1"], officer)
    first = issuing.issue_document(officer, case, "violation_notice")
    second = issuing.issue_document(officer, case, "violation_notice")
    other = issuing.issue_document(officer, case, "penalty_payment_notice" if False else "correction_order")
    assert first.number.endswith("00001号") and second.number.endswith("00002号")
    assert other.number.endswith("00001号") and "违通" in first.number and "责改" in other.number
    assert "〔2026〕" in first.number or "〔" in first.number
    data = issuing.read_pdf(first)
    assert data.startswith(b"%PDF-") and first.size == len(data)
    result = verification.verify(first)
    assert result.valid and result.stored_intact and result.signature_valid
    assert verify_digest(first.seal, bytes.fromhex(first.sm3), first.signature)
    assert "BEGIN PUBLIC KEY" in public_key_pem(first.seal)


def test_a_number_is_never_reused_after_a_rollback(tree, officer, media):
    case = ready_case(tree["squad1"], officer)
    first = issuing.issue_document(officer, case, "violation_notice")
    first.delete()  # even a deleted row does not give its number back
    again = issuing.issue_document(officer, case, "violation_notice")
    assert again.number != first.number and again.number.endswith("00002号")


@pytest.mark.embedded
def test_same_named_squads_never_share_a_number_and_the_subject_prefix_issues(tree, officer, media):
    """Every 支队 has a 第一中队: a squad's document carries its enforcement subject's 文号 prefix (the one the case's
    own 文号 uses), and two squads of the same name never issue one number twice (the demo data failed on that)."""
    from teis.cases.codes import file_number_prefix, nearest_unit_with
    from teis.core.testing import make_officer_user
    from teis.org.models import Unit

    twin = Unit.objects.create(name="第一中队", unit_type="squad", parent=tree["brigade2"])
    twin_officer = make_officer_user(role_codes=["field_officer"], unit=twin, username="doc_twin_officer")
    mine = issuing.issue_document(officer, ready_case(tree["squad1"], officer), "violation_notice")
    theirs = issuing.issue_document(twin_officer, ready_case(twin, twin_officer), "violation_notice")
    assert mine.number != theirs.number
    prefix = file_number_prefix(nearest_unit_with(tree["squad1"], "subject_code"))
    assert mine.number.startswith(f"{prefix}违通〔") and prefix == "沪交执"


def test_tampering_fails_verification(tree, officer, media):
    case = ready_case(tree["squad1"], officer)
    doc = issuing.issue_document(officer, case, "violation_notice")
    original = issuing.read_pdf(doc)
    path = media / doc.file_name
    changed = bytearray(original)
    changed[len(changed) // 2] ^= 0x01
    path.write_bytes(bytes(changed))
    result = verification.verify(doc)
    assert not result.stored_intact and not result.valid
    path.write_bytes(original)
    doc.signature = doc.signature[:-2] + ("00" if not doc.signature.endswith("00") else "01")
    assert not verification.verify(doc).signature_valid


def test_upload_comparison(tree, officer, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = ready_case(tree["squad1"], officer)
    doc = issuing.issue_document(officer, case, "violation_notice")
    data = issuing.read_pdf(doc)
    same, message = verification.compare_upload(doc, SimpleUploadedFile("a.pdf", data))
    assert same is True and "一致" in message
    changed = data[:-10] + bytes([data[-10] ^ 1]) + data[-9:]
    same, message = verification.compare_upload(doc, SimpleUploadedFile("a.pdf", changed))
    assert same is False and "不一致" in message
    same, message = verification.compare_upload(doc, SimpleUploadedFile("a.txt", b"hello world"))
    assert same is None and "不是 PDF" in message
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"\0" * (verification.MAX_UPLOAD + 10))
    same, message = verification.compare_upload(doc, big)
    assert same is False and "超过 20 MB" in message


@pytest.mark.embedded
def test_template_with_an_unknown_placeholder_is_refused_naming_it(officer):
    catalogue.ensure_catalogue()
    doc_type = DocumentType.objects.get(code="violation_notice")
    source = catalogue.current_template(doc_type).source.replace("{{ party.name }}", "{{ party.nmae }}")
    with pytest.raises(ServiceError) as err:
        catalogue.do_save_template(officer, doc_type, source)
    assert "party.nmae" in err.value.message
    for bad, word in [
        ('{% extends "documents/base.html" %}{% block body %}{% include "base.html" %}{% endblock %}', "include"),
        ('{% extends "documents/base.html" %}{% load static %}', "load static"),
        ("<p>{{ case.code }}</p>", "继承"),
        (
            '{% extends "documents/base.html" %}{% block body %}{% for r in records %}{{ r.nope }}{% endfor %}'
            "{% endblock %}",
            "r.nope",
        ),
        ('{% extends "documents/base.html" %}{% block body %}{% if case.code == %}{% endif %}{% endblock %}', "语法"),
    ]:
        with pytest.raises(ServiceError) as err:
            catalogue.do_save_template(officer, doc_type, bad)
        assert word in err.value.message, (bad, err.value.message)
    assert DocumentTemplate.objects.filter(doc_type=doc_type).count() == 1


def test_editing_a_template_makes_a_new_version_and_issued_documents_keep_theirs(tree, officer, media):
    case = ready_case(tree["squad1"], officer)
    old = issuing.issue_document(officer, case, "violation_notice")
    doc_type = old.doc_type
    source = catalogue.current_template(doc_type).source.replace("经调查", "经本机关调查")
    tpl = catalogue.do_save_template(officer, doc_type, source, "措辞调整")
    assert tpl.version == 2 and old.template.version == 1
    new = issuing.issue_document(officer, case, "violation_notice")
    assert new.template_id == tpl.pk
    copy = issuing.reprint_pdf(officer, Document.objects.get(pk=old.pk))  # a copy of the old one: its version
    assert copy.startswith(b"%PDF-") and copy != issuing.read_pdf(old)


def test_cancel_needs_another_persons_approval_and_keeps_the_original(tree, officer, make_user, media):
    leader = make_user("squad_leader", "squad1", username="doc_rules_leader")
    case = ready_case(tree["squad1"], officer)
    doc = issuing.issue_document(officer, case, "violation_notice")
    with pytest.raises(ServiceError):
        issuing.do_request_cancel(officer, doc, " ")
    doc = issuing.do_request_cancel(officer, doc, "当事人名称有误")
    with pytest.raises(ServiceError) as err:
        issuing.do_decide_cancel(officer, doc, approve=True)
    assert err.value.code == "self_approval"
    doc = issuing.do_decide_cancel(leader, doc, approve=True, opinion="同意")
    assert doc.status == DocumentStatus.CANCELLED and issuing.read_pdf(doc).startswith(b"%PDF-")
    assert not verification.verify(doc).valid  # the page says it is cancelled


def test_the_cases_requirements_read_documents(tree, officer, media):
    case = ready_case(tree["squad1"], officer)
    assert "缺少文书：送达回证" in steps.missing_requirements(case, "Task_Execution")
    assert steps.DOCUMENT_HOOK["has_document"](case, "行政处罚事先告知书") is False
    issuing.issue_document(officer, case, "violation_notice")
    assert steps.DOCUMENT_HOOK["has_document"](case, "行政处罚事先告知书") is True  # an alias of 违法行为通知书


@pytest.mark.parametrize(
    "amount, text",
    [
        ("300", "叁佰元整"),
        ("1200.50", "壹仟贰佰元伍角"),
        ("10005", "壹万零伍元整"),
        ("0.07", "柒分"),
        ("20000", "贰万元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("3.05", "叁元零伍分"),
    ],
)
def test_rmb_upper(amount, text):
    assert facts_module.rmb_upper(Decimal(amount)) == text


@pytest.mark.skipif(not __import__("shutil").which("openssl"), reason="openssl not installed")
def test_openssl_verifies_the_signature_independently(tree, officer, media, client):
    """The worked example of docs/documents.md: OpenSSL's SM2 verify of the PDF's SM3 digest."""
    import subprocess

    case = ready_case(tree["squad1"], officer)
    doc = issuing.issue_document(officer, case, "violation_notice")
    base = f"/verify/{doc.verify_code}/"
    (media / "doc.pdf").write_bytes(issuing.read_pdf(doc))
    (media / "sig.der").write_bytes(client.get(base + "signature.der").content)
    (media / "pub.pem").write_bytes(client.get(base + "public-key.pem").content)
    digest = subprocess.run(["openssl", "dgst", "-sm3", "-binary", "doc.pdf"], cwd=media, capture_output=True)
    assert digest.stdout.hex() == doc.sm3
    (media / "digest.bin").write_bytes(digest.stdout)
    verify = [
        "openssl",
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        "pub.pem",
        "-rawin",
        "-in",
        "digest.bin",
        "-sigfile",
        "sig.der",
        "-digest",
        "sm3",
        "-pkeyopt",
        "distid:1234567812345678",
    ]
    done = subprocess.run(verify, cwd=media, capture_output=True, text=True)
    assert done.returncode == 0 and "Verified Successfully" in done.stdout, done.stdout + done.stderr
    (media / "digest.bin").write_bytes(bytes([digest.stdout[0] ^ 1]) + digest.stdout[1:])
    assert subprocess.run(verify, cwd=media, capture_output=True).returncode != 0
