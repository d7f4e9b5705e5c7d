"""BPMN conventions of TEIS on top of SpiffWorkflow 3: validation with Chinese messages naming the element,
per-task metadata (role from the lane, approving unit, deadline, return targets, 会签 / 或签), a restricted
script engine, and a per-process cache of parsed specs.

See docs/workflow.md for the conventions.
"""

from __future__ import annotations

import ast
import hashlib
import threading
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.exceptions import SpiffWorkflowException

from teis.core.services import ServiceError

from .choices import Decision, SignMode, UnitRelation

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
TEIS_NS = "http://teis.example.cn/bpmn"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN_NS}
# Task spec names SpiffWorkflow uses internally: a BPMN element with one of these ids would collide with them.
RESERVED_IDS = {"Start", "End", "Root"}
# Elements TEIS does not run (no external code is called from a diagram).
UNSUPPORTED = {
    "serviceTask": "不支持服务任务（流程图不得调用外部代码）",
    "sendTask": "不支持发送任务",
    "receiveTask": "不支持接收任务",
    "businessRuleTask": "不支持业务规则任务",
    "callActivity": "不支持调用活动，请将子流程画在同一流程图中",
    "manualTask": "不支持手工任务，请使用用户任务",
}

# --- script and condition sandbox ------------------------------------------------------------------------

SAFE_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in ("len", "int", "str", "float", "bool", "min", "max", "abs", "sum", "any", "all", "round", "list")
}
SAFE_BUILTINS.update({"True": True, "False": False, "None": None})
FORBIDDEN_NAMES = {
    "eval",
    "exec",
    "open",
    "compile",
    "getattr",
    "setattr",
    "delattr",
    "globals",
    "locals",
    "vars",
    "input",
    "breakpoint",
    "type",
    "object",
    "dir",
    "help",
    "memoryview",
    "exit",
    "quit",
}
ALLOWED_NODES = (
    ast.Module,
    ast.Expression,
    ast.Expr,
    ast.Assign,
    ast.AugAssign,
    ast.If,
    ast.IfExp,
    ast.BoolOp,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Store,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.Subscript,
    ast.Slice,
    ast.And,
    ast.Or,
    ast.Not,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.USub,
    ast.UAdd,
    ast.Pass,
)


def check_expression(source: str, *, mode: str) -> str | None:
    """The Chinese reason an expression (mode "eval") or script (mode "exec") is refused, or None.

    Only names, constants, comparisons, arithmetic, boolean logic, subscripts, assignments and calls of the
    safe built-ins are allowed: no attributes, imports, lambdas, comprehensions or dunder names.
    """
    try:
        tree = ast.parse((source or "").strip(), mode=mode)
    except SyntaxError as exc:
        return f"表达式语法错误：{exc.msg}"
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED_NODES):
            return f"不允许的语法：{type(node).__name__}"
        if isinstance(node, ast.Name) and (node.id.startswith("_") or node.id in FORBIDDEN_NAMES):
            return f"不允许使用名称 {node.id}"
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in SAFE_BUILTINS:
                return "只允许调用 len、int、str、min、max 等安全函数"
            if node.keywords:
                return "函数调用不允许关键字参数"
    return None


SCRIPT_ENGINE = PythonScriptEngine(environment=TaskDataEnvironment({"__builtins__": SAFE_BUILTINS}))
SERIALIZER = BpmnWorkflowSerializer()


# --- metadata ------------------------------------------------------------------------------------------


@dataclass
class TaskMeta:
    """What TEIS reads from a user task beyond what SpiffWorkflow needs."""

    bpmn_id: str
    name: str
    role: str
    unit: str = UnitRelation.SELF
    deadline_days: int | None = None
    return_to: list[str] = field(default_factory=list)
    sign: str = SignMode.NONE
    # 会签 / 或签: the task-data variable holding the signers (loopDataInputRef)
    sign_input: str = ""
    # the nearest user tasks before this one along the main path (ignoring return loops)
    previous: list[str] = field(default_factory=list)
    form: str = ""
    modelled_decisions: set[str] = field(default_factory=set)
    # teis:unitVar / teis:roleVar (on the task or its lane): process variables naming the unit (a unit id) and
    # the role chosen at run time; resolved from the task's data when the task is offered (`people.candidate_target`)
    unit_var: str = ""
    role_var: str = ""


@dataclass
class ParsedDefinition:
    key: str
    name: str
    auto_skip: bool
    tasks: dict[str, TaskMeta]
    checksum: str


# Forms a user task may name in teis:form; apps register theirs (e.g. "cases.register").
FORMS: dict[str, str] = {}
# Optional Django form class per registered form: its fields appear on the task page (and are checked in the
# API's `data`), and its cleaned data goes into the task data on completion.
FORM_CLASSES: dict[str, type] = {}


def register_form(key: str, label: str, form_class: type | None = None) -> None:
    FORMS[key] = label
    if form_class is not None:
        FORM_CLASSES[key] = form_class


def known_roles() -> set[str]:
    from teis.org.models import Role
    from teis.org.roles import all_role_defs

    return {d.code for d in all_role_defs()} | set(Role.objects.values_list("code", flat=True))


VARIABLE_HINT = "（须在脚本任务中赋值、声明为数据对象或列入流程的 teis:variables）"
# Variables the engine itself puts into the task data (start_process / complete_task).
ENGINE_VARIABLES = {"unit_id", "initiator", "decision", "opinion"}


def declared_variables(process) -> set[str]:
    """The process variables a diagram declares: the engine's own, names assigned in script tasks,
    `bpmn:dataObject` ids and names, the process attribute `teis:variables="a b"`, and the fields of the step
    forms its user tasks name (their cleaned data goes into the task data)."""
    names = set(ENGINE_VARIABLES)
    names |= set((process.get(_t("variables")) or "").replace(",", " ").split())
    for obj in process.iter(f"{{{BPMN_NS}}}dataObject"):
        names |= {obj.get("id") or "", obj.get("name") or ""}
    for script in process.iter(f"{{{BPMN_NS}}}script"):
        try:
            tree = ast.parse((script.text or "").strip(), mode="exec")
        except SyntaxError:
            continue
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for task in process.iter(f"{{{BPMN_NS}}}userTask"):
        form_class = FORM_CLASSES.get(task.get(_t("form")) or "")
        if form_class is not None:
            names |= set(getattr(form_class, "base_fields", {}))
    return names - {""}


def _invalid(element_id: str, reason: str) -> ServiceError:
    return ServiceError("invalid_bpmn", f"元素 {element_id}：{reason}", {"bpmn_xml": [f"元素 {element_id}：{reason}"]})


def _t(attr: str) -> str:
    return f"{{{TEIS_NS}}}{attr}"


def checksum(bpmn_xml: str) -> str:
    return hashlib.sha256(bpmn_xml.encode()).hexdigest()


def _inject_sign_conditions(root) -> None:
    """teis:sign="all" / "any" on a multi-instance task becomes its completionCondition (unless drawn):
    会签 stops at the first non-approval, 或签 at the first approval; the merged `decision` is the outcome."""
    for task in root.iter(f"{{{BPMN_NS}}}userTask"):
        sign = task.get(_t("sign"))
        mi = task.find("bpmn:multiInstanceLoopCharacteristics", NS)
        if sign in (SignMode.ALL, SignMode.ANY) and mi is not None and mi.find("bpmn:completionCondition", NS) is None:
            cond = etree.SubElement(mi, f"{{{BPMN_NS}}}completionCondition")
            cond.text = 'decision != "approve"' if sign == SignMode.ALL else 'decision == "approve"'


def _depths(process) -> dict[str, int]:
    """Shortest distance of each node from the start events (orders nodes along the main path)."""
    outgoing: dict[str, list[str]] = {}
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    frontier = [e.get("id") for e in process.iter(f"{{{BPMN_NS}}}startEvent")]
    depth = dict.fromkeys(frontier, 0)
    while frontier:
        nxt = []
        for node in frontier:
            for target in outgoing.get(node, []):
                if target not in depth:
                    depth[target] = depth[node] + 1
                    nxt.append(target)
        frontier = nxt
    return depth


def _previous_user_tasks(process, task_id: str, user_task_ids: set[str]) -> list[str]:
    """Nearest user tasks upstream of task_id (through gateways and events), ignoring return loops: only
    tasks nearer to the start than task_id count."""
    incoming: dict[str, list[str]] = {}
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        incoming.setdefault(flow.get("targetRef"), []).append(flow.get("sourceRef"))
    depth = _depths(process)
    mine = depth.get(task_id, 0)
    found, seen, stack = [], {task_id}, list(incoming.get(task_id, []))
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if depth.get(node, 0) >= mine:
            continue
        if node in user_task_ids:
            found.append(node)
        else:
            stack.extend(incoming.get(node, []))
    return sorted(found)


def _modelled_decisions(process, task_id: str) -> set[str]:
    """Decision values tested on the flows leaving the exclusive gateway right after the task."""
    by_source: dict[str, list] = {}
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        by_source.setdefault(flow.get("sourceRef"), []).append(flow)
    out: set[str] = set()
    for flow in by_source.get(task_id, []):
        for gflow in by_source.get(flow.get("targetRef"), []):
            cond = gflow.find("bpmn:conditionExpression", NS)
            if cond is not None and cond.text:
                out |= {d for d in Decision.values if f'"{d}"' in cond.text or f"'{d}'" in cond.text}
    return out


def parse_definition(bpmn_xml: str, key: str | None = None) -> tuple[ParsedDefinition, object, dict]:
    """Validate a BPMN document and parse it. Returns (metadata, process spec, subprocess specs).

    Raises ServiceError("invalid_bpmn", "元素 X：原因") on any problem.
    """
    if not (bpmn_xml or "").strip():
        raise ServiceError("invalid_bpmn", "BPMN 定义为空", {"bpmn_xml": ["BPMN 定义为空"]})
    try:
        root = etree.fromstring(bpmn_xml.encode() if isinstance(bpmn_xml, str) else bpmn_xml)
    except etree.XMLSyntaxError as exc:
        raise ServiceError("invalid_bpmn", f"BPMN 文件不是合法的 XML：{exc}", {"bpmn_xml": [str(exc)]}) from exc
    processes = [p for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("isExecutable", "true") != "false"]
    if len(processes) != 1:
        raise ServiceError("invalid_bpmn", "BPMN 文件必须且只能包含一个可执行流程", {"bpmn_xml": ["流程数量不正确"]})
    process = processes[0]
    process_id = process.get("id") or ""
    if key is not None and process_id != key:
        raise _invalid(process_id or "process", f"流程标识应为 {key}")
    roles = known_roles()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        el_id = el.get("id") or local
        if el.get("id") in RESERVED_IDS:
            raise _invalid(el_id, "元素标识与引擎保留名称冲突，请改名")
        if etree.QName(el).namespace == BPMN_NS and local in UNSUPPORTED:
            raise _invalid(el_id, UNSUPPORTED[local])
        if local == "lane" and etree.QName(el).namespace == BPMN_NS and (el.get("name") or "") not in roles:
            raise _invalid(el_id, f"泳道 {el.get('name') or '(未命名)'} 不是已知角色")
        if local == "scriptTask":
            script = el.find("bpmn:script", NS)
            reason = check_expression(script.text if script is not None else "", mode="exec")
            if reason:
                raise _invalid(el_id, f"脚本不合规：{reason}")
        if local in ("conditionExpression", "completionCondition", "loopCardinality") and el.text:
            reason = check_expression(el.text, mode="eval")
            if reason:
                owner = el.getparent().get("id") or el.getparent().getparent().get("id") or local
                raise _invalid(owner, f"条件表达式不合规：{reason}")
        form = el.get(_t("form")) or el.get(f"{{{CAMUNDA_NS}}}formKey")
        if form and form not in FORMS:
            raise _invalid(el_id, f"表单 {form} 未注册")

    lane_of: dict[str, str] = {}
    lane_el: dict[str, object] = {}
    variables = declared_variables(process)
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        for attr, label in (("unitVar", "单位变量"), ("roleVar", "角色变量")):
            var = (lane.get(_t(attr)) or "").strip()
            if var and var not in variables:
                raise _invalid(lane.get("id") or "lane", f"{label} {var} 不是本流程的流程变量{VARIABLE_HINT}")
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            lane_of[(ref.text or "").strip()] = lane.get("name")
            lane_el[(ref.text or "").strip()] = lane
    user_tasks = list(process.iter(f"{{{BPMN_NS}}}userTask"))
    user_task_ids = {t.get("id") for t in user_tasks}
    metas: dict[str, TaskMeta] = {}
    for task in user_tasks:
        tid = task.get("id")
        role = lane_of.get(tid)
        if not role:
            raise _invalid(tid, "用户任务不在任何泳道中，无法确定处理角色")
        unit = task.get(_t("unit"), UnitRelation.SELF)
        if unit not in UnitRelation.values:
            raise _invalid(tid, f"审批单位 {unit} 无效，可选：{'、'.join(UnitRelation.values)}")
        run_time = {}
        for attr, label in (("unitVar", "单位变量"), ("roleVar", "角色变量")):
            var = (task.get(_t(attr)) or "").strip()
            if var and var not in variables:
                raise _invalid(tid, f"{label} {var} 不是本流程的流程变量{VARIABLE_HINT}")
            lane = lane_el.get(tid)
            run_time[attr] = var or ((lane.get(_t(attr)) or "").strip() if lane is not None else "")
        days = task.get(_t("deadlineDays"))
        if days is not None and (not days.strip().isdigit() or int(days) > 365):
            raise _invalid(tid, "办理期限 teis:deadlineDays 应为 0–365 的工作日数")
        sign = task.get(_t("sign"), "")
        mi = task.find("bpmn:multiInstanceLoopCharacteristics", NS)
        if sign and sign not in (SignMode.ALL, SignMode.ANY):
            raise _invalid(tid, "teis:sign 只能是 all（会签）或 any（或签）")
        if sign and (mi is None or mi.find("bpmn:loopDataInputRef", NS) is None):
            raise _invalid(tid, "会签/或签须使用多实例并以审批人集合（loopDataInputRef）作为输入")
        sign_input = (mi.findtext("bpmn:loopDataInputRef", "", NS) or "").strip() if mi is not None else ""
        previous = _previous_user_tasks(process, tid, user_task_ids)
        return_to = [x for x in (task.get(_t("returnTo")) or "").replace(",", " ").split() if x]
        for target in return_to:
            if target not in user_task_ids or target == tid:
                raise _invalid(tid, f"退回节点 {target} 不是本流程中其他的用户任务")
        metas[tid] = TaskMeta(
            bpmn_id=tid,
            name=task.get("name") or tid,
            role=role,
            unit=unit,
            deadline_days=int(days) if days is not None else None,
            return_to=return_to or previous,
            sign=sign,
            sign_input=sign_input if sign else "",
            previous=previous,
            form=task.get(_t("form")) or "",
            modelled_decisions=_modelled_decisions(process, tid),
            unit_var=run_time["unitVar"],
            role_var=run_time["roleVar"],
        )
    if not metas:
        raise _invalid(process_id, "流程中没有任何用户任务")

    _inject_sign_conditions(root)
    parser = BpmnParser(validator=BpmnValidator())
    try:
        parser.add_bpmn_xml(root, filename=f"{process_id}.bpmn")
        spec = parser.get_spec(process_id)
        subprocesses = parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        el_id = getattr(exc, "id", None) or process_id
        raise _invalid(el_id, f"流程引擎解析失败：{exc}") from exc
    except (SpiffWorkflowException, etree.LxmlError, ValueError, KeyError, TypeError) as exc:
        raise _invalid(process_id, f"流程引擎解析失败：{exc}") from exc
    parsed = ParsedDefinition(
        key=process_id,
        name=process.get("name") or process_id,
        auto_skip=process.get(_t("autoSkip"), "true") != "false",
        tasks=metas,
        checksum=checksum(bpmn_xml if isinstance(bpmn_xml, str) else bpmn_xml.decode()),
    )
    return parsed, spec, subprocesses


# --- per-process cache of parsed definitions -------------------------------------------------------------

_CACHE: dict[tuple[int, str], tuple[ParsedDefinition, object, dict]] = {}
_LOCK = threading.Lock()


def loaded(definition) -> tuple[ParsedDefinition, object, dict]:
    """The parsed form of a stored definition (definitions are immutable, so cached by key and checksum)."""
    cache_key = (definition.pk, definition.checksum)
    hit = _CACHE.get(cache_key)
    if hit is None:
        hit = parse_definition(definition.bpmn_xml)
        with _LOCK:
            _CACHE[cache_key] = hit
    return hit
