"""Data of 指挥调度, by aggregate."""

from .alarms import Alarm, Geofence, TerminalCommand
from .duty import (
    CrossDistrictRequest,
    DutyFeedback,
    DutyOrder,
    DutyPlan,
    DutyTask,
    DutyTemplate,
    LeaderOnDuty,
    NfcTag,
    NonDutyUse,
    OrderFeedback,
    OrderReceipt,
    SignIn,
)
from .positions import DailyMileage, FixRecord, LatestFix, ZoneState
from .settings import DispatchSettings
from .vehicles import Checkpoint, PatrolVehicle, device_key

__all__ = [
    "Alarm",
    "Checkpoint",
    "DailyMileage",
    "DispatchSettings",
    "CrossDistrictRequest",
    "DutyFeedback",
    "DutyOrder",
    "DutyPlan",
    "DutyTask",
    "DutyTemplate",
    "FixRecord",
    "Geofence",
    "LatestFix",
    "LeaderOnDuty",
    "NfcTag",
    "NonDutyUse",
    "OrderFeedback",
    "OrderReceipt",
    "PatrolVehicle",
    "SignIn",
    "TerminalCommand",
    "ZoneState",
    "device_key",
]
