"""Workflow services, split by aggregate: engine (shared plumbing), offering (task rows and todos), actions
(start, complete, return, withdraw, cancel), assignment (claim, release, 转办, 加签), delegation (委派), substitutes,
people, definitions, deadlines, reading;
`teis.workflow.services` keeps exporting every name, so callers import from here."""

from .actions import (  # noqa: F401
    _completed_engine_task,
    _default_signers,
    _do_return,
    cancel_process,
    complete_task,
    return_task,
    start_process,
    withdraw,
)
from .assignment import add_approver, claim, reassign, release  # noqa: F401
from .deadlines import (  # noqa: F401
    LEADER_ROLE,
    _users_of,
    check_deadlines,
    escalation_targets,
)
from .definitions import (  # noqa: F401
    check_definition,
    current_definition,
    do_save_definition,
    ensure_definitions,
    process_files,
)
from .delegation import delegate, delegated_back  # noqa: F401
from .engine import (  # noqa: F401
    COLUMNS,
    LISTENERS,
    STEP_HANDLERS,
    SUBJECT_PANELS,
    _audit_step,
    _check_active,
    _check_data,
    _check_decision,
    _check_version,
    _due_at,
    _emit,
    _lock,
    _lock_task,
    _ready_user_tasks,
    _run_engine,
    _save_instance,
    _taken,
    deadline_after,
    dump_state,
    load_workflow,
    register_listener,
    register_step_handler,
    register_subject_panel,
    subject_panel,
)
from .offering import (  # noqa: F401
    AUTO_SKIP_OPINION,
    TODO_CATEGORY,
    _advance,
    _cancel_todos,
    _close_todos,
    _finish_row,
    _last_approver,
    _named_assignee,
    _offer_one,
    _post,
    _refresh_columns,
    _substitutes_by_user,
    _todo_title,
    offer_tasks,
)
from .people import (  # noqa: F401
    BRIGADE_TYPES,
    _acting_for,
    _check_target_user,
    _is_candidate,
    _officer,
    _resolve_user,
    _role_codes,
    candidate_target,
    principals_of,
    role_holders,
    signers_after,
    target_unit,
)
from .reading import (  # noqa: F401
    LIST_RELATED,
    _todo_q,
    access_task,
    can_act,
    done_tasks,
    form_errors,
    history,
    make_step_form,
    return_targets,
    started_instances,
    step_form_class,
    step_form_data,
    todo_tasks,
)
from .substitutes import do_set_substitute  # noqa: F401
