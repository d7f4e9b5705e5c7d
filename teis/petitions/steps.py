"""What the petition processes (`processes/petition_general.bpmn`, `petition_water.bpmn`,
`petition_supervision.bpmn`) mean for a petition: the status each step stands for, the process variables that send
the handling steps to the unit chosen at run time (派发 / 转办: the handling lane declares
`teis:unitVar="handling_unit_id" teis:roleVar="handling_role"`, so the engine offers 承办处理 to that unit's leader
and 水上执法审核 to the brigade above it), and the process a petition runs."""

from __future__ import annotations

from django import forms

from teis.workflow.bpmn import register_form

from .choices import PetitionStatus

GENERAL = "petition_general"
WATER = "petition_water"
SUPERVISION = "petition_supervision"
PROCESS_KEYS = (GENERAL, WATER)

ACCEPT = "Task_Accept"
INSTRUCT = "Task_Instruct"
DISPATCH = "Task_Dispatch"
HANDLE = "Task_Handle"
WATER_REVIEW = "Task_WaterReview"
CLOSE = "Task_Close"
VISIT = "Task_Visit"
# the supervision process (督察)
EXPLAIN = "Task_Explain"
SUPERVISOR_REVIEW = "Task_SupervisorReview"

STEP_STATUS = {
    ACCEPT: PetitionStatus.REGISTERED,
    INSTRUCT: PetitionStatus.INSTRUCTING,
    DISPATCH: PetitionStatus.DISPATCHING,
    HANDLE: PetitionStatus.HANDLING,
    WATER_REVIEW: PetitionStatus.HANDLING,
    CLOSE: PetitionStatus.CLOSING,
    VISIT: PetitionStatus.VISITING,
}
END_STATUS = {"End_NotAccepted": PetitionStatus.NOT_ACCEPTED, "End_Closed": PetitionStatus.CLOSED}
SQUAD_TYPES = ("squad",)


def process_key_for(petition) -> str:
    """水上 petitions (category code `water`) run the water-enforcement variant (spec §2.6.1.10)."""
    return WATER if petition.is_water else GENERAL


def handling_role(unit) -> str:
    """Who handles a petition in `unit`: the squad leader of a squad, the brigade leader of any other unit."""
    return "squad_leader" if unit.unit_type in SQUAD_TYPES else "brigade_leader"


def handling_data(unit) -> dict:
    """The process variables of 派发 / 转办 (read by the engine when it offers the handling steps)."""
    return {"handling_unit_id": unit.pk, "handling_role": handling_role(unit)}


def handling_target(petition, step_id: str):
    """(unit, role) of a handling step as the engine resolves it: 承办处理 by `handling_role` in the handling unit;
    水上执法审核 (teis:unit="brigade") by the brigade leader of the brigade above the handling unit."""
    from teis.workflow.choices import UnitRelation
    from teis.workflow.services import target_unit

    unit = petition.unit
    if step_id == WATER_REVIEW:
        return target_unit(unit, UnitRelation.BRIGADE), "brigade_leader"
    return unit, handling_role(unit)


def status_for_step(current_step: str) -> str | None:
    for step in (current_step or "").split("、"):
        if step in STEP_STATUS:
            return STEP_STATUS[step]
    return None


class PageOnlyForm(forms.Form):
    """Every petition step needs data the generic task page does not ask for (units, results, satisfaction):
    the steps are done on the petition page, and the generic page refuses with a hint."""

    via_petition_page = forms.BooleanField(
        label="办理方式",
        required=True,
        widget=forms.HiddenInput,
        error_messages={"required": "此环节须在信访件页面（投诉信访 → 信访件）办理"},
    )


def register() -> None:
    register_form("petitions.page_only", "信访件页面办理", PageOnlyForm)
