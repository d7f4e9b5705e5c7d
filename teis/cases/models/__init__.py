"""Case handling data (案件): the case, its parties, vehicles and property, pre-registration, detection
records to dispatch, saved queries, monitoring warnings and sampling reviews.

The case's approval chain runs on `workflow`; the case keeps a link to its process instance and mirrors the
current step in its own columns so that lists never deserialise workflows.
"""

from .blacklist import BlacklistEntry, IllegalTransportRecord
from .case import CaseAttachment, CaseVehicle, EnforcementCase, Party
from .coercive import CoerciveMeasure, InspectionRecord
from .decision import CaseDecision
from .dispatch import StationAssignment, ViolationRecord
from .overload import FourPenaltyLink, OverloadUnloading
from .property import CarPark, CaseProperty, CustodyPlace, ParkingRecord
from .query import SavedQuery
from .record import CaseCorrection, CasePayment, CaseRecord
from .requests import CaseRequest
from .simplified import OnSpotPenalty
from .supervision import CaseReview, MonitoringWarning

__all__ = [
    "BlacklistEntry",
    "CarPark",
    "CustodyPlace",
    "FourPenaltyLink",
    "IllegalTransportRecord",
    "OverloadUnloading",
    "ParkingRecord",
    "CaseAttachment",
    "CaseCorrection",
    "CaseDecision",
    "CasePayment",
    "CaseProperty",
    "CaseRecord",
    "CaseRequest",
    "CaseReview",
    "CaseVehicle",
    "CoerciveMeasure",
    "InspectionRecord",
    "EnforcementCase",
    "MonitoringWarning",
    "OnSpotPenalty",
    "Party",
    "SavedQuery",
    "StationAssignment",
    "ViolationRecord",
]
