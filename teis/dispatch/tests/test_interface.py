"""The services the JT/T 808 gateway calls (the interface fixed with the gateway's author): terminal
registration / authentication / bookkeeping, the text-message queue, and ingest_fixes' counts."""

from __future__ import annotations

import pytest

from teis.dispatch.choices import CommandStatus
from teis.dispatch.models import FixRecord, LatestFix, PatrolVehicle
from teis.dispatch.services import terminals
from teis.dispatch.services.positions import IngestResult, ingest_fixes

from .conftest import INSIDE, fix, run

pytestmark = pytest.mark.django_db


def register(phone="013800000001", plate="沪A12345", terminal_id="T0000001", colour=1):
    return terminals.register_terminal(
        phone, province=31, city=0, maker="TEIS", model="M1", terminal_id=terminal_id, plate_colour=colour, plate=plate
    )


class TestRegistration:
    def test_register_then_authenticate(self, fleet):
        result, code = register()
        assert result == terminals.REGISTER_OK and len(code) == 16
        assert terminals.authenticate_terminal("013800000001", code)
        # a 2019 header carries the same phone as 20 BCD digits
        assert terminals.authenticate_terminal("00000000013800000001", code)
        assert not terminals.authenticate_terminal("013800000001", code + "x")
        assert PatrolVehicle.objects.get(pk=fleet["car1"].pk).terminal_online

    def test_repeated_registration_keeps_the_code(self, fleet):
        assert register()[1] == register()[1]

    def test_results(self, fleet):
        assert register(phone="019999999999") == (terminals.NO_SUCH_TERMINAL, "")
        assert register(plate="沪Z99999") == (terminals.NO_SUCH_VEHICLE, "")
        assert register(plate="VIN1234567890", colour=0)[0] == terminals.REGISTER_OK  # colour 0: a VIN
        assert register(terminal_id="OTHER")[0] == terminals.TERMINAL_ALREADY_REGISTERED
        # car2's terminal says it is car1, whose terminal is registered
        assert register(phone="013800000002", plate="沪A12345", terminal_id="T2") == (
            terminals.VEHICLE_ALREADY_REGISTERED,
            "",
        )

    def test_unregistered_terminal_cannot_authenticate(self, fleet):
        assert not terminals.authenticate_terminal("013800000002", "")

    def test_seen(self, fleet):
        terminals.terminal_seen("13800000002", online=True)
        assert PatrolVehicle.objects.get(pk=fleet["car2"].pk).terminal_online
        terminals.terminal_seen("13800000002", online=False)
        assert not PatrolVehicle.objects.get(pk=fleet["car2"].pk).terminal_online


class TestCommands:
    def test_queue_poll_mark(self, fleet, make_user):
        command_user = make_user("command_center", "corps")
        cmd = terminals.queue_text(command_user, fleet["car1"], "请立即前往人民广场")
        assert cmd.status == CommandStatus.PENDING
        assert [c.pk for c in terminals.pending_commands(["00000000013800000001"])] == [cmd.pk]
        assert terminals.pending_commands(["013800000002"]) == []
        terminals.mark_command(cmd.pk, CommandStatus.SENT)
        assert terminals.pending_commands(["013800000001"]) == []
        terminals.mark_command(cmd.pk, CommandStatus.ACKED, "0x0001 成功")
        cmd.refresh_from_db()
        assert cmd.status == CommandStatus.ACKED and cmd.sent_at and cmd.acked_at and cmd.attempts == 1

    def test_refusals(self, fleet, make_user):
        from django.http import Http404

        from teis.audit.models import AuditRecord
        from teis.core.services import ServiceError

        officer = make_user("field_officer", "squad1")
        with pytest.raises(ServiceError) as err:
            terminals.queue_text(officer, fleet["car1"], "x")
        assert err.value.code == "forbidden"
        leader = make_user("squad_leader", "squad1")
        with pytest.raises(ServiceError):
            terminals.queue_text(leader, fleet["car1"], "  ")
        with pytest.raises(Http404):  # squad3's car is outside squad1's scope: a 404, as everywhere
            terminals.queue_text(leader, fleet["car3"], "去")
        n = AuditRecord.objects.count()
        terminals.queue_text(leader, fleet["car1"], "收到请回复")
        assert AuditRecord.objects.count() == n + 1


class TestIngestCounts:
    def test_counts(self, fleet, t0):
        fixes = [
            *run(t0, [INSIDE] * 3),
            fix("019999999999", t0, INSIDE),  # unknown device
            fix(at=t0 + __import__("datetime").timedelta(seconds=3), lonlat=(0.0, 0.0)),  # outside the region: flagged
            fix(at=t0 + __import__("datetime").timedelta(seconds=5), status_bits=0),  # jt808 without a fix: flagged
            fix("osmand-33", t0, INSIDE, source="osmand", status_bits=0),
            fix(at=t0 + __import__("datetime").timedelta(seconds=7), lonlat=(float("nan"), 31.0)),  # not a row
        ]
        result = ingest_fixes(fixes)
        assert isinstance(result, IngestResult)
        assert (result.stored, result.unknown_device, result.invalid, result.late) == (6, 1, 1, 0)
        assert result.flagged_reasons == {"out_of_region": 1, "no_fix": 1}
        assert FixRecord.objects.count() == 6
        assert sorted(FixRecord.objects.exclude(flag="").values_list("flag", flat=True)) == ["no_fix", "out_of_region"]
        latest = LatestFix.objects.get(vehicle=fleet["car1"])
        assert latest.time == t0 + __import__("datetime").timedelta(seconds=20) and latest.seq == result.cursor

    def test_empty_and_all_unknown(self, fleet, t0):
        assert ingest_fixes([]) == IngestResult()
        assert ingest_fixes([fix("0000", t0)]).unknown_device == 1
