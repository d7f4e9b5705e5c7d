"""A candidate unit chosen at run time: `teis:unitVar` / `teis:roleVar` on a lane or a user task name process
variables whose values (a unit id, a role code) decide who is offered the task when it is created; unknown
variable names are refused when the definition is saved."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from teis.core.models import TodoItem, TodoStatus
from teis.core.services import ServiceError
from teis.workflow import services
from teis.workflow.choices import Decision, TaskStatus
from teis.workflow.models import ProcessDefinition, WorkTask

HERE = Path(__file__).parent
FILE = HERE / "bpmn" / "runtime_unit.bpmn"
KEY = "test_runtime_unit"


def xml(**replace) -> str:
    text = FILE.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


@pytest.fixture
def setup(people, tree):
    services.ensure_definitions(None, [FILE])
    instance = services.start_process(people["officer"], KEY, None, tree["squad1"], subject_label="运行时单位")
    return instance


def open_task(instance) -> WorkTask:
    return instance.tasks.get(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED])


def todo_users(wt) -> set[str]:
    return set(
        TodoItem.objects.filter(source_key=f"wf:{wt.pk}", status=TodoStatus.OPEN).values_list(
            "user__username", flat=True
        )
    )


def test_parsed_metadata_takes_lane_and_task_variables(roles):
    parsed = services.check_definition(xml())
    handle, review, pick = parsed.tasks["Task_Handle"], parsed.tasks["Task_Review"], parsed.tasks["Task_Pick"]
    assert (handle.unit_var, handle.role_var) == ("handling_unit_id", "handling_role")  # from its lane
    assert (review.unit_var, review.role_var, review.unit) == ("handling_unit_id", "", "brigade")  # own attribute
    assert (pick.unit_var, pick.role_var) == ("", "")


def test_task_goes_to_the_unit_and_role_in_the_data(people, tree, setup, caplog):
    instance = setup
    pick = open_task(instance)
    assert pick.candidate_unit == tree["squad1"]  # no variable: relative to the instance's unit
    # the dispatcher picks squad3 (outside the instance's own branch) at run time
    services.complete_task(
        people["officer"], pick, Decision.APPROVE, "", {"handling_unit_id": tree["squad3"].pk, "handling_role": ""}
    )
    handle = open_task(instance)
    assert (handle.candidate_unit, handle.role) == (tree["squad3"], "squad_leader")
    assert todo_users(handle) == set()  # nobody holds the role in squad3 here; nobody in squad1 was posted either
    assert not services.todo_tasks(people["squad"]).filter(pk=handle.pk).exists()
    instance.refresh_from_db()
    assert instance.assignee_unit == tree["squad3"] and instance.assignee_role == "squad_leader"


def test_transfer_moves_the_task_and_role_variable_picks_the_role(people, tree, setup, make_user, caplog):
    squad3 = make_user("squad_leader", "squad3", username="squad3lead")
    instance = setup
    services.complete_task(
        people["officer"], open_task(instance), Decision.APPROVE, "", {"handling_unit_id": tree["squad3"].pk}
    )
    handle = open_task(instance)
    assert (handle.candidate_unit, handle.role) == (tree["squad3"], "squad_leader")
    assert todo_users(handle) == {"squad3lead"}
    assert services.todo_tasks(squad3).filter(pk=handle.pk).exists()
    assert not services.todo_tasks(people["squad"]).filter(pk=handle.pk).exists()
    # 转办 to a brigade, handled by its brigade leader (role from the data); nothing logged as "no candidate"
    with caplog.at_level(logging.WARNING, logger="teis.workflow"):
        services.complete_task(
            squad3,
            handle,
            Decision.APPROVE,
            "转第一大队",
            {"transfer": True, "handling_unit_id": tree["brigade1"].pk, "handling_role": "brigade_leader"},
        )
    moved = open_task(instance)
    assert moved.pk != handle.pk and moved.spec_name == "Task_Handle"
    assert (moved.candidate_unit, moved.role) == (tree["brigade1"], "brigade_leader")
    assert todo_users(moved) == {"brigade1lead"}
    assert not any("no candidate" in r.getMessage() for r in caplog.records)
    with pytest.raises(ServiceError) as exc:
        services.complete_task(squad3, moved, Decision.APPROVE, "")
    assert exc.value.code == "not_your_task" and "第一大队" in exc.value.message
    # back to a squad: the review step resolves `teis:unit="brigade"` relative to the chosen unit
    services.complete_task(
        people["brigade"],
        moved,
        Decision.APPROVE,
        "",
        {"transfer": True, "handling_unit_id": tree["squad3"].pk, "handling_role": "squad_leader"},
    )
    again = open_task(instance)
    assert (again.candidate_unit, again.role) == (tree["squad3"], "squad_leader")
    services.complete_task(squad3, again, Decision.APPROVE, "已处理", {"transfer": False})
    review = open_task(instance)
    assert (review.spec_name, review.candidate_unit, review.role) == ("Task_Review", tree["brigade2"], "brigade_leader")
    assert todo_users(review) == {"brigade2lead"}


def test_empty_or_unknown_values_fall_back_to_the_instance_unit_and_lane_role(people, tree, setup):
    instance = setup
    services.complete_task(
        people["officer"],
        open_task(instance),
        Decision.APPROVE,
        "",
        {"handling_unit_id": 987654, "handling_role": "dragon_keeper"},
    )
    handle = open_task(instance)
    assert (handle.candidate_unit, handle.role) == (tree["squad1"], "squad_leader")
    assert todo_users(handle) == {"squad1lead", "squad1lead2"}


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (
            {'teis:unitVar="handling_unit_id" teis:roleVar': 'teis:unitVar="handler_unit" teis:roleVar'},
            "元素 Lane_handle：单位变量 handler_unit 不是本流程的流程变量",
        ),
        (
            {'teis:roleVar="handling_role"': 'teis:roleVar="who_handles"'},
            "元素 Lane_handle：角色变量 who_handles 不是本流程的流程变量",
        ),
        (
            {'teis:unit="brigade" teis:unitVar="handling_unit_id"': 'teis:unitVar="nowhere"'},
            "元素 Task_Review：单位变量 nowhere 不是本流程的流程变量",
        ),
    ],
)
def test_unknown_variable_names_are_refused_at_save(people, replace, message):
    services.ensure_definitions(None, [FILE])
    with pytest.raises(ServiceError) as exc:
        services.do_save_definition(people["leader"], KEY, xml(**replace))
    assert exc.value.code == "invalid_bpmn" and message in exc.value.message
    assert ProcessDefinition.objects.filter(key=KEY).count() == 1


def test_declared_variables_are_accepted(people):
    # declared on the process (teis:variables) or as a data object instead of being assigned in a script
    by_attribute = xml(
        **{
            'teis:autoSkip="false"': 'teis:autoSkip="false" teis:variables="picked_unit"',
            'teis:unitVar="handling_unit_id" teis:roleVar': 'teis:unitVar="picked_unit" teis:roleVar',
        }
    )
    assert services.check_definition(by_attribute).tasks["Task_Handle"].unit_var == "picked_unit"
    by_data_object = xml(
        **{
            '<bpmn:startEvent id="StartEvent_1" />': (
                '<bpmn:dataObject id="chosen_unit" name="chosen_unit" /><bpmn:startEvent id="StartEvent_1" />'
            ),
            'teis:unit="brigade" teis:unitVar="handling_unit_id"': 'teis:unit="brigade" teis:unitVar="chosen_unit"',
        }
    )
    assert services.check_definition(by_data_object).tasks["Task_Review"].unit_var == "chosen_unit"
    # the engine's own variables (unit_id of the instance) are known too
    assert (
        services.check_definition(
            xml(**{'teis:unit="brigade" teis:unitVar="handling_unit_id"': 'teis:unitVar="unit_id"'})
        )
        .tasks["Task_Review"]
        .unit_var
        == "unit_id"
    )
