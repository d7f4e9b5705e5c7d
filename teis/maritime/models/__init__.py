"""Data of 水上执法, by aggregate."""

from .alert import Alert
from .area import AreaPresence, SectionCrossing, SectionLine, WaterArea
from .beacon import AidToNavigation, BaseStation
from .checkpoint import Checkpoint, Clue, Perception
from .info import CrewMember, EmergencyInfo, Port, WaterAccident
from .vessel import (
    DangerousGoodsRecord,
    MaritimeSettings,
    TrackingTask,
    Vessel,
    VesselCertificate,
    VesselEvent,
    VesselPosition,
    WatchGroup,
)

__all__ = [
    "AidToNavigation",
    "BaseStation",
    "Alert",
    "AreaPresence",
    "Checkpoint",
    "Clue",
    "CrewMember",
    "DangerousGoodsRecord",
    "EmergencyInfo",
    "MaritimeSettings",
    "Perception",
    "Port",
    "SectionCrossing",
    "SectionLine",
    "TrackingTask",
    "Vessel",
    "VesselCertificate",
    "VesselEvent",
    "VesselPosition",
    "WaterAccident",
    "WaterArea",
    "WatchGroup",
]
