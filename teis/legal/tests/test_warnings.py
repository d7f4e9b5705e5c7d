"""Legal-change warnings: amending a provision flags its codes, causes and benchmarks and warns the
legal-review role (Done when); the flag blocks use by configuration until acknowledged or revised."""

import pytest
from django.urls import reverse

from teis.core.models import Notification
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.legal.choices import ProvisionStatus, WarningStatus
from teis.legal.models import CaseCause, DiscretionBenchmark, LegalChangeWarning, ViolationCode
from teis.legal.services.codes import do_revise_code
from teis.legal.services.discretion import do_apply_discretion
from teis.legal.services.warnings import check_code_usable, do_acknowledge_warning, flag_citing

from ._code_fixtures import make_benchmark, make_code, make_law

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user):
    reviewer = make_user("legal_reviewer", "corps")
    reviewer2 = make_user("legal_reviewer", "brigade1")
    officer = make_user("field_officer", "squad1")
    law, v1, p = make_law("上海市道路运输管理条例", articles=4)
    cited = make_code(reviewer, "WN0001", violated=[p["a1"]], penalty=[p["a2p1"]])
    by_penalty = make_code(reviewer, "WN0002", penalty=[p["a2"]])  # article containing the changed paragraph
    unrelated = make_code(reviewer, "WN0003", violated=[p["a4"]])
    bench = make_benchmark(cited, reviewer)
    bench_basis = make_benchmark(unrelated, reviewer, basis=[p["a2p1"]])
    cause = CaseCause.objects.create(cause_code="310115000123" + "07" + "000001", name="案由", item_type="penalty")
    cause.penalty_provisions.add(p["a2p1"])
    other_cause = CaseCause.objects.create(
        cause_code="310115000123" + "08" + "000001", name="无关", item_type="penalty"
    )
    other_cause.basis_provisions.add(p["a3"])
    return locals()


def test_amending_a_provision_flags_citing_objects_and_warns_reviewers(world, django_capture_on_commit_callbacks):
    w = world
    with django_capture_on_commit_callbacks(execute=True):
        created = flag_citing(w["p"]["a2p1"], ProvisionStatus.AMENDED, w["reviewer"])
    flagged_codes = set(ViolationCode.objects.filter(legal_change_flag=True).values_list("code", flat=True))
    assert flagged_codes == {"WN0001", "WN0002"}
    cited = ViolationCode.objects.get(code="WN0001")
    assert cited.flagged_at is not None and cited.flag_reason == "《上海市道路运输管理条例》第2条第一款已修改"
    assert CaseCause.objects.get(pk=w["cause"].pk).legal_change_flag
    assert not CaseCause.objects.get(pk=w["other_cause"].pk).legal_change_flag
    benches = DiscretionBenchmark.objects.filter(legal_change_flag=True)
    assert set(benches.values_list("pk", flat=True)) == {w["bench"].pk, w["bench_basis"].pk}  # via code, via basis
    assert "违章代码 WN0001 的依据" in DiscretionBenchmark.objects.get(pk=w["bench"].pk).flag_reason
    assert len(created) == 5 and LegalChangeWarning.objects.filter(status=WarningStatus.OPEN).count() == 5
    # one notification per import for each reviewer, level "warning", with the count
    for user in (w["reviewer"], w["reviewer2"]):
        notes = Notification.objects.filter(user=user)
        assert notes.count() == 1
        assert notes[0].level == Notification.Level.WARNING and "5" in notes[0].title
    assert not Notification.objects.filter(user=w["officer"]).exists()

    # a second import of the same change does not warn twice
    with django_capture_on_commit_callbacks(execute=True):
        assert flag_citing(w["p"]["a2p1"], ProvisionStatus.AMENDED, w["reviewer"]) == []
    assert Notification.objects.filter(user=w["reviewer"]).count() == 1


def test_several_provisions_in_one_import_give_one_notification(world, django_capture_on_commit_callbacks):
    w = world
    with django_capture_on_commit_callbacks(execute=True):
        flag_citing(w["p"]["a1"], ProvisionStatus.ABOLISHED, None)
        flag_citing(w["p"]["a4"], ProvisionStatus.ABOLISHED, None)
    notes = Notification.objects.filter(user=w["reviewer"])
    assert notes.count() == 1
    assert "第1条" in notes[0].body and "第4条" in notes[0].body


def test_match_by_stable_id_across_versions(world, django_capture_on_commit_callbacks):
    w = world
    law, p = w["law"], w["p"]
    # version 2 carries the stable ids; a code citing the NEW row of article 3 is found from the OLD row
    _, _, p2 = make_law(
        law=law,
        articles=4,
        version_number=2,
        stable_ids={k: v.stable_id for k, v in {"a3": p["a3"], "a3/p1": p["a3p1"]}.items()},
    )
    follower = make_code(w["reviewer"], "WN0009", violated=[p2["a3p1"]])
    with django_capture_on_commit_callbacks(execute=True):
        created = flag_citing(p["a3"], ProvisionStatus.AMENDED, None)
    follower.refresh_from_db()
    assert follower.legal_change_flag
    assert CaseCause.objects.get(pk=w["other_cause"].pk).legal_change_flag
    assert {x.violation_code_id for x in created if x.violation_code_id} == {follower.pk}


def test_flag_blocks_use_until_acknowledged(world, settings):
    w = world
    flag_citing(w["p"]["a1"], ProvisionStatus.AMENDED, None)
    code = ViolationCode.objects.get(code="WN0001")
    settings.TEIS_LEGAL_FLAG_BLOCKS_USE = False
    check_code_usable(code)  # off: usable
    settings.TEIS_LEGAL_FLAG_BLOCKS_USE = True
    with pytest.raises(ServiceError) as exc:
        check_code_usable(code)
    assert exc.value.code == "code_flagged" and "法律依据已变更" in exc.value.message
    with pytest.raises(ServiceError) as exc:
        do_apply_discretion(
            w["officer"], violation_code=code, level="轻微", amount="300", conditions_met=["初次违法", "及时改正"]
        )
    assert exc.value.code == "code_flagged"

    warning = LegalChangeWarning.objects.get(violation_code=code)
    with pytest.raises(ServiceError):
        do_acknowledge_warning(w["officer"], warning)  # no permission
    do_acknowledge_warning(w["reviewer"], warning, "核对无影响")
    warning.refresh_from_db()
    code.refresh_from_db()
    assert warning.status == WarningStatus.ACKNOWLEDGED and warning.handled_by == w["reviewer"]
    assert not code.legal_change_flag
    check_code_usable(code)


def test_revision_clears_flag_and_marks_warnings_updated(world, settings):
    w = world
    settings.TEIS_LEGAL_FLAG_BLOCKS_USE = True
    flag_citing(w["p"]["a1"], ProvisionStatus.ABOLISHED, None)
    old = ViolationCode.objects.get(code="WN0001")
    new = do_revise_code(w["reviewer"], old, {"violated_provisions": [w["p"]["a3"]]})
    assert not new.legal_change_flag
    check_code_usable(new)
    assert LegalChangeWarning.objects.get(violation_code=old).status == WarningStatus.UPDATED


def test_warning_pages(world):
    w = world
    flag_citing(w["p"]["a1"], ProvisionStatus.AMENDED, None)
    warning = LegalChangeWarning.objects.get(violation_code__code="WN0001")
    client = logged_in_client(w["reviewer"])
    page = client.get(reverse("legal:legalchangewarning_list"))
    assert page.status_code == 200 and "第1条" in page.content.decode()
    detail = client.get(reverse("legal:legalchangewarning_detail", args=[warning.pk])).content.decode()
    assert 'value="acknowledge"' in detail
    url = reverse("legal:legalchangewarning_detail", args=[warning.pk])
    resp = client.post(url, {"_action": "acknowledge", "acknowledge-note": "已核对"})
    assert resp.status_code == 302
    warning.refresh_from_db()
    assert warning.status == WarningStatus.ACKNOWLEDGED
    # officers cannot open it
    assert logged_in_client(w["officer"]).get(reverse("legal:legalchangewarning_list")).status_code == 403
