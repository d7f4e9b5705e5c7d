"""Who uploads: a user (session or Bearer token) or a collection workstation (采集工作站) with its own
device credential, sent as `Authorization: Station <serial>:<secret>`. Only the SM3 of the secret is stored."""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING, Any, TypeAlias

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from teis.core.crypto import sm3_hex

from ..choices import DeviceKind, DeviceStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from ..models import Device


class StationPrincipal:
    """The request.user of a workstation request: may upload evidence and report heartbeats, nothing else."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_anonymous = False
    pk: None = None
    id: None = None
    STATION_PERMS = frozenset({"evidence.add_evidenceitem"})

    def __init__(self, station: Device) -> None:
        self.station = station
        self.serial = station.serial
        self.username = f"station:{station.serial}"

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return perm in self.STATION_PERMS

    def __str__(self) -> str:
        return self.username


Principal: TypeAlias = "User | StationPrincipal"
"""Who calls the evidence services: a user or a collection workstation."""


def audit_actor(principal: Principal | None) -> User | None:
    """The user to record as actor (None for a workstation: its serial goes in the detail)."""
    return None if isinstance(principal, StationPrincipal) else principal


def hash_secret(secret: str) -> str:
    return sm3_hex(("evidence-station:" + secret).encode())


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def station_for(serial: str, secret: str) -> Device | None:
    from ..models import Device

    station = Device.objects.select_related("unit").filter(serial=serial, kind=DeviceKind.COLLECTION_STATION).first()
    if station is None or not station.credential_hash or station.status == DeviceStatus.RETIRED:
        return None
    if not hmac.compare_digest(station.credential_hash, hash_secret(secret)):
        return None
    return station


class StationAuthentication(authentication.BaseAuthentication):
    keyword = "Station"

    def authenticate(self, request: Request) -> tuple[StationPrincipal, Device] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header.startswith(self.keyword + " "):
            return None
        serial, _, secret = header[len(self.keyword) + 1 :].strip().partition(":")
        station = station_for(serial, secret) if serial and secret else None
        if station is None:
            from teis.audit import services as audit
            from teis.audit.choices import AuditAction

            audit.record(None, AuditAction.DEVICE_REFUSED, detail={"station": serial[:64], "reason": "凭据无效"})
            raise exceptions.AuthenticationFailed("采集工作站凭据无效")
        from ..models import Device

        Device.objects.filter(pk=station.pk).update(last_heartbeat_at=timezone.now())
        return StationPrincipal(station), station

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


try:  # describe the workstation credential in the OpenAPI document
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    # drf-spectacular's __init_subclass__ is untyped
    class StationAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
        target_class = "teis.evidence.services.principal.StationAuthentication"
        name = "stationAuth"

        def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
            return {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "采集工作站凭据：Authorization: Station <设备编号>:<凭据>",
            }

except ImportError:  # pragma: no cover - drf-spectacular is a declared dependency
    pass
