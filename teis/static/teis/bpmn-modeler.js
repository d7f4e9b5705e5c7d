// The process-definition modeler (workflow/modeler.html): bpmn-js Modeler (or NavigatedViewer for an older,
// read-only version), a small properties form for the TEIS attributes, and "保存为新版本", which posts the XML
// to the server. A refused diagram names an element: it is marked (canvas marker "teis-error") and selected.
(function () {
  "use strict";
  const root = document.getElementById("bpmn-modeler");
  if (!root) return;
  const cfg = JSON.parse(document.getElementById("modeler-config").textContent);
  const statusBox = document.getElementById("modeler-status");
  const saveBtn = document.getElementById("save-btn");
  const downloadBtn = document.getElementById("download-btn");
  const props = document.getElementById("modeler-props");
  const modeler = new window.BpmnJS({ container: root });
  const canvas = modeler.get("canvas");
  const registry = modeler.get("elementRegistry");
  let errorShapes = [];
  let dirty = false;

  function show(kind, text) {
    statusBox.className = "alert alert-" + kind + " py-1 px-2 mb-2";
    statusBox.textContent = text;
    statusBox.hidden = false;
  }

  function csrfToken() {
    return teisCsrfToken();
  }

  // The shape of a BPMN id: the element itself, or the pool whose process has that id.
  function shapeFor(id) {
    return (
      registry.get(id) ||
      registry.find((el) => el.businessObject && el.businessObject.processRef && el.businessObject.processRef.id === id)
    );
  }

  // Markers are kept by shape, not id: the administrator may rename the refused element before saving again.
  function clearErrors() {
    errorShapes.forEach((el) => { if (registry.get(el.id) === el) canvas.removeMarker(el, "teis-error"); });
    errorShapes = [];
  }

  function markError(id) {
    const el = shapeFor(id);
    if (!el) return false;
    canvas.addMarker(el, "teis-error");
    errorShapes.push(el);
    if (modeler.get("selection", false)) modeler.get("selection").select(el);
    if (canvas.scrollToElement && el.waypoints === undefined) {
      try { canvas.scrollToElement(el); } catch (e) { /* off-canvas: ignore */ }
    }
    return true;
  }

  fetch(cfg.xmlUrl, { credentials: "same-origin" })
    .then((r) => (r.ok ? r.text() : Promise.reject(new Error("HTTP " + r.status))))
    .then((xml) => modeler.importXML(xml))
    .then(() => {
      canvas.zoom("fit-viewport");
      if (!cfg.readOnly) {
        // leave room on the left for the palette, which floats over the canvas
        const vb = canvas.viewbox();
        const pad = 150 / vb.scale;
        canvas.viewbox({ x: vb.x - pad, y: vb.y - pad / 4, width: vb.width + pad, height: vb.height + pad / 2 });
      }
      root.dataset.loaded = "1";
    })
    .catch((err) => show("danger", "流程图加载失败：" + (err.message || err)));

  if (downloadBtn) {
    downloadBtn.addEventListener("click", async () => {
      const { xml } = await modeler.saveXML({ format: true });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
      a.download = cfg.key + "_v" + cfg.version + (dirty ? "_edited" : "") + ".bpmn";
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    });
  }

  if (cfg.readOnly) return;

  // --- editing -------------------------------------------------------------------------------------------------
  const modeling = modeler.get("modeling");
  const moddle = modeler.get("moddle");
  modeler.on("commandStack.changed", () => { dirty = true; });
  window.addEventListener("beforeunload", (e) => { if (dirty) { e.preventDefault(); e.returnValue = ""; } });

  saveBtn.addEventListener("click", async () => {
    clearErrors();
    saveBtn.disabled = true;
    show("info", "正在校验并保存……");
    try {
      const { xml } = await modeler.saveXML({ format: true });
      const r = await fetch(cfg.saveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
        body: JSON.stringify({ xml: xml }),
      });
      let data = null;
      try { data = await r.json(); } catch (e) { data = null; }
      if (r.ok && data) {
        dirty = false;
        show("success", data.message);
        const label = document.getElementById("current-version");
        if (label) label.textContent = "第 " + data.version + " 版";
        if (!data.unchanged) addVersion(data.version);
      } else if (r.status === 403) {
        show("danger", "没有保存流程定义的权限。");
      } else {
        const message = (data && data.message) || "保存失败（HTTP " + r.status + "）";
        show("danger", message);
        if (data && data.element) markError(data.element);
      }
    } catch (err) {
      show("danger", "保存失败：" + (err.message || err));
    } finally {
      saveBtn.disabled = false;
    }
  });

  function addVersion(version) {
    const list = document.getElementById("version-list");
    if (!list) return;
    list.querySelectorAll(".badge-current").forEach((b) => b.remove());
    const li = document.createElement("li");
    li.className = "list-group-item d-flex justify-content-between align-items-center";
    li.dataset.version = version;
    const a = document.createElement("a");
    a.href = "?version=" + version;
    a.textContent = "第 " + version + " 版";
    const badge = document.createElement("span");
    badge.className = "badge bg-success badge-current";
    badge.textContent = "当前";
    li.append(a, badge);
    list.prepend(li);
  }

  // --- properties of the selected element ----------------------------------------------------------------------
  const ID_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

  function field(label, input, help) {
    const wrap = document.createElement("div");
    wrap.className = "mb-2";
    const l = document.createElement("label");
    l.className = "form-label small mb-0";
    l.textContent = label;
    wrap.append(l, input);
    if (help) {
      const h = document.createElement("div");
      h.className = "form-text";
      h.textContent = help;
      wrap.append(h);
    }
    return wrap;
  }

  function textInput(value, name) {
    const i = document.createElement("input");
    i.className = "form-control form-control-sm";
    i.name = name;
    i.value = value || "";
    return i;
  }

  function select(value, options, name) {
    const s = document.createElement("select");
    s.className = "form-select form-select-sm";
    s.name = name;
    options.forEach(([v, t]) => {
      const o = document.createElement("option");
      o.value = v;
      o.textContent = t;
      if ((value || "") === v) o.selected = true;
      s.append(o);
    });
    if (value && !options.some(([v]) => v === value)) {
      const o = document.createElement("option");
      o.value = value;
      o.textContent = value + "（未知）";
      o.selected = true;
      s.append(o);
    }
    return s;
  }

  function update(el, key, value) {
    const attrs = {};
    attrs[key] = value === "" ? undefined : value;
    modeling.updateProperties(el, attrs);
  }

  // teis:unitVar / teis:roleVar: the unit and role chosen at run time, named by a process variable (the server
  // checks on save that the diagram declares the variable).
  function runtimeVariableFields(el, bo) {
    [
      ["teis:unitVar", "单位变量", "流程变量名，运行时取其中的单位编号；留空按审批单位"],
      ["teis:roleVar", "角色变量", "流程变量名，运行时取其中的角色代码；留空按泳道角色"],
    ].forEach(([key, label, help]) => {
      const input = textInput(bo.get(key), key);
      input.addEventListener("change", () => {
        const v = input.value.trim();
        if (v && !ID_RE.test(v)) { show("warning", label + "须为变量名：字母或下划线开头"); input.value = bo.get(key) || ""; return; }
        update(el, key, v);
      });
      props.append(field(label, input, help));
    });
  }

  // teis:variables on the process: names set from outside the diagram (by the app starting it)
  function processVariablesField(el, processBo) {
    const input = textInput(processBo.get("teis:variables"), "teis:variables");
    input.addEventListener("change", () => {
      const v = input.value.trim().split(/[\s,，]+/).filter(Boolean).join(" ");
      if (v && !v.split(" ").every((n) => ID_RE.test(n))) { show("warning", "流程变量须为变量名，以空格分隔"); return; }
      const attrs = { "teis:variables": v || undefined };
      if (el.businessObject === processBo) modeling.updateProperties(el, attrs);
      else modeling.updateModdleProperties(el, processBo, attrs);
    });
    props.append(field("流程变量（空格分隔）", input, "由业务在启动流程时赋值的变量，供单位变量、角色变量引用"));
  }

  function render(el) {
    props.replaceChildren();
    if (!el || el.type === "label" || !el.businessObject) {
      props.innerHTML = '<p class="text-muted small mb-0">选择图中的元素以编辑其属性。</p>';
      return;
    }
    const bo = el.businessObject;
    const title = document.createElement("div");
    title.className = "small text-muted mb-2";
    title.textContent = el.type.replace("bpmn:", "");
    props.append(title);

    const id = textInput(bo.id, "id");
    id.addEventListener("change", () => {
      const v = id.value.trim();
      if (!ID_RE.test(v)) { show("warning", "标识须以字母或下划线开头，只含字母、数字、_ . -"); id.value = bo.id; return; }
      if (v !== bo.id && moddle.ids && moddle.ids.assigned(v)) { show("warning", "标识 " + v + " 已被使用"); id.value = bo.id; return; }
      update(el, "id", v);
    });
    props.append(field("标识", id));

    if (el.type === "bpmn:Lane") {
      const roles = cfg.roles.map((r) => [r.code, r.code + " · " + r.name]);
      const s = select(bo.name, [["", "（请选择角色）"], ...roles], "name");
      s.addEventListener("change", () => update(el, "name", s.value));
      props.append(field("角色（泳道名称）", s, "泳道中的用户任务交由该角色办理"));
      runtimeVariableFields(el, bo);
      return;
    }
    const name = textInput(bo.name, "name");
    name.addEventListener("change", () => update(el, "name", name.value.trim()));
    props.append(field("名称", name));

    if (el.type === "bpmn:UserTask") {
      const unit = select(bo.get("teis:unit"), [["", "本单位（默认）"], ...cfg.units.map((u) => [u.code, u.name])], "teis:unit");
      unit.addEventListener("change", () => update(el, "teis:unit", unit.value));
      props.append(field("审批单位", unit));
      const days = textInput(bo.get("teis:deadlineDays"), "teis:deadlineDays");
      days.type = "number";
      days.min = "0";
      days.max = "365";
      days.addEventListener("change", () => update(el, "teis:deadlineDays", days.value.trim()));
      props.append(field("办理期限（工作日）", days));
      const ret = textInput(bo.get("teis:returnTo"), "teis:returnTo");
      ret.addEventListener("change", () => update(el, "teis:returnTo", ret.value.trim()));
      props.append(field("可驳回至（节点标识，空格分隔）", ret, "留空：按主路径退回上一用户任务"));
      const form = select(bo.get("teis:form"), [["", "（无）"], ...cfg.forms.map((f) => [f, f])], "teis:form");
      form.addEventListener("change", () => update(el, "teis:form", form.value));
      props.append(field("表单", form));
      runtimeVariableFields(el, bo);
    }
    if (el.type === "bpmn:Participant" && bo.processRef) processVariablesField(el, bo.processRef);
    if (el.type === "bpmn:Process") processVariablesField(el, bo);
    if (el.type === "bpmn:SequenceFlow") {
      const expr = textInput(bo.conditionExpression ? bo.conditionExpression.body : "", "condition");
      expr.placeholder = 'decision == "approve"';
      expr.addEventListener("change", () => {
        const v = expr.value.trim();
        modeling.updateProperties(el, {
          conditionExpression: v ? moddle.create("bpmn:FormalExpression", { body: v }) : undefined,
        });
      });
      props.append(field("条件表达式", expr, "对任务数据的 Python 表达式，如 decision == \"return\""));
    }
  }

  let selected = null;
  modeler.on("selection.changed", (e) => {
    selected = e.newSelection.length === 1 ? e.newSelection[0] : null;
    render(selected);
  });
  modeler.on("element.changed", (e) => {
    if (selected && e.element === selected && !props.contains(document.activeElement)) render(selected);
  });
  render(null);
})();
