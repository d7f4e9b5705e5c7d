"""Terminals and text messages down (the services the JT/T 808 gateway calls; it runs in its own process).

- `register_terminal` answers a 0x0100 registration with the 0x8100 result and an authentication code;
- `authenticate_terminal` checks a 0x0102 authentication;
- `terminal_seen` keeps the online flag and last contact (login, heartbeat, logout);
- `queue_text` (指挥中心信息下发, audited) puts a 0x8300 text message in the queue; the gateway polls
  `pending_commands` every second and reports with `mark_command`.

Terminal bookkeeping is machine telemetry (not audited row by row); registrations are, since they bind a
device to a vehicle.
"""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError

from ..choices import CommandStatus
from ..models import PatrolVehicle, TerminalCommand, device_key

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# JT/T 808-2013 table 8 / 2019 table 10: 0x8100 result
REGISTER_OK = 0
VEHICLE_ALREADY_REGISTERED = 1
NO_SUCH_VEHICLE = 2
TERMINAL_ALREADY_REGISTERED = 3
NO_SUCH_TERMINAL = 4
TEXT_MAX_CHARS = 500
RETRY_LIMIT = 3


def vehicle_for_device(phone: str) -> PatrolVehicle | None:
    """The (not retired) vehicle whose terminal phone or device id has this key (through the directory)."""
    from . import directory

    info = directory.current().vehicles.get(device_key(phone or ""))
    return PatrolVehicle.objects.filter(pk=info.id).first() if info is not None else None


def _plate_key(plate: str) -> str:
    return "".join((plate or "").split()).upper()


def register_terminal(
    phone: str, *, province: int, city: int, maker: str, model: str, terminal_id: str, plate_colour: int, plate: str
) -> tuple[int, str]:
    """0x0100 → (0x8100 result, authentication code; "" unless the result is 0).

    The terminal phone must belong to a vehicle (else 4, no such terminal). When the terminal sends a plate
    (plate colour ≠ 0; colour 0 means the field carries a VIN), it must be the plate of that vehicle: an
    unknown plate is 2 (no such vehicle), the plate of another vehicle whose terminal is registered is 1
    (vehicle already registered). A vehicle whose terminal registered with another terminal id answers 3
    (terminal already registered) until an administrator resets it. A repeated registration of the same
    terminal gets the same code."""
    with transaction.atomic():
        vehicle = vehicle_for_device(phone)
        if vehicle is None:
            return NO_SUCH_TERMINAL, ""
        vehicle = PatrolVehicle.objects.select_for_update().get(pk=vehicle.pk)
        if plate_colour and _plate_key(plate) and _plate_key(plate) != _plate_key(vehicle.plate):
            other = PatrolVehicle.objects.filter(plate__iexact=plate.strip()).first()
            if other is None:
                return NO_SUCH_VEHICLE, ""
            if other.terminal_registered:
                return VEHICLE_ALREADY_REGISTERED, ""
            return NO_SUCH_VEHICLE, ""
        terminal_id = (terminal_id or "").strip()
        if vehicle.terminal_registered and vehicle.terminal_id and vehicle.terminal_id != terminal_id:
            return TERMINAL_ALREADY_REGISTERED, ""
        first = not vehicle.terminal_registered
        if first or not vehicle.auth_code:
            vehicle.auth_code = secrets.token_hex(8)
        vehicle.terminal_registered = True
        vehicle.terminal_id = terminal_id[:30]
        vehicle.terminal_maker = (maker or "").strip()[:20]
        vehicle.terminal_model = (model or "").strip()[:30]
        vehicle.terminal_seen_at = timezone.now()
        PatrolVehicle.objects.filter(pk=vehicle.pk).update(
            auth_code=vehicle.auth_code,
            terminal_registered=True,
            terminal_id=vehicle.terminal_id,
            terminal_maker=vehicle.terminal_maker,
            terminal_model=vehicle.terminal_model,
            terminal_seen_at=vehicle.terminal_seen_at,
        )
        if first:
            audit.record(
                None,
                AuditAction.UPDATE,
                vehicle,
                changes={"终端注册": [None, f"{terminal_id} {maker} {model}"]},
                detail={"phone": phone, "province": province, "city": city},
            )
    return REGISTER_OK, vehicle.auth_code


def authenticate_terminal(phone: str, auth_code: str) -> bool:
    """0x0102: True when the phone belongs to a registered terminal with this code (marks it online)."""
    vehicle = vehicle_for_device(phone)
    if vehicle is None or not vehicle.terminal_registered or not vehicle.auth_code:
        return False
    if not hmac.compare_digest(vehicle.auth_code.encode(), (auth_code or "").encode()):
        return False
    terminal_seen(phone, online=True)
    return True


def terminal_seen(phone: str, *, online: bool) -> None:
    """Login / heartbeat (online=True) or logout / connection closed (online=False)."""
    vehicle = vehicle_for_device(phone)
    if vehicle is not None:
        PatrolVehicle.objects.filter(pk=vehicle.pk).update(terminal_online=online, terminal_seen_at=timezone.now())


def reset_terminal(actor: User, vehicle: PatrolVehicle) -> None:
    """Unbind the registered terminal (a replaced device must register again). Audited."""
    if not actor.has_perm("dispatch.change_patrolvehicle"):
        raise ServiceError("forbidden", "没有管理车辆终端的权限。")
    with transaction.atomic():
        PatrolVehicle.objects.filter(pk=vehicle.pk).update(
            terminal_registered=False, terminal_id="", auth_code="", terminal_online=False
        )
        audit.record(actor, AuditAction.UPDATE, vehicle, changes={"终端注册": [vehicle.terminal_id, None]})


# --- text messages down -----------------------------------------------------------------------------------


def queue_text(actor: User, vehicle: PatrolVehicle, text: str, *, flags: int = 0b1100) -> TerminalCommand:
    """指挥中心信息下发: queue a text message for the vehicle's terminal. One transaction; audited."""
    if actor is None or not actor.has_perm("dispatch.add_terminalcommand"):
        raise ServiceError("forbidden", "没有下发信息的权限。")
    if not PatrolVehicle.objects.for_user(actor).filter(pk=vehicle.pk).exists():
        # outside the scope is a 404 everywhere, page and API alike (rule 4)
        raise Http404("车辆不存在或不在您的数据权限范围内。")
    text = (text or "").strip()
    if not text:
        raise ServiceError("text_required", "请填写下发内容。", {"text": ["请填写下发内容"]})
    if len(text) > TEXT_MAX_CHARS:
        raise ServiceError("text_too_long", f"下发内容不能超过 {TEXT_MAX_CHARS} 字。", {"text": ["内容过长"]})
    if not vehicle.terminal_phone:
        raise ServiceError("no_terminal", "该车辆未配置车载终端手机号，不能下发信息。")
    with transaction.atomic():
        command = TerminalCommand.objects.create(
            vehicle=vehicle,
            unit=vehicle.unit,
            phone=vehicle.terminal_phone,
            text=text,
            flags=flags & 0xFF,
            created_by=actor,
        )
        audit.record(actor, AuditAction.CREATE, command, changes={"下发内容": [None, text]})
    return command


def pending_commands(phones: list[str]) -> list[TerminalCommand]:
    """The pending commands for the terminals connected to the gateway (oldest first)."""
    keys = {device_key(p) for p in phones if p}
    if not keys:
        return []
    qs = TerminalCommand.objects.filter(status=CommandStatus.PENDING).order_by("created_at", "pk")
    return [c for c in qs if device_key(c.phone) in keys]


def mark_command(command_id: int, status: str, detail: str = "") -> None:
    """The gateway's report: sent (written to the socket), acked (0x0001 from the terminal), failed."""
    if status not in CommandStatus.values:
        raise ServiceError("invalid_status", "指令状态无效。")
    now = timezone.now()
    with transaction.atomic():
        command = TerminalCommand.objects.select_for_update().filter(pk=command_id).first()
        if command is None:
            return
        command.status, command.detail = status, (detail or "")[:300]
        fields = ["status", "detail", "updated_at"]
        if status == CommandStatus.SENT:
            command.sent_at, command.attempts = now, command.attempts + 1
            fields += ["sent_at", "attempts"]
        elif status == CommandStatus.ACKED:
            command.acked_at = now
            fields.append("acked_at")
        command.save(update_fields=fields)
