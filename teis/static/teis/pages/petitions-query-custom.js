// teis/templates/petitions/query_custom.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const meta = JSON.parse(JSON.parse(document.getElementById("query-fields").textContent));
  const initialEl = document.getElementById("query-conditions");
  const initial = initialEl ? JSON.parse(JSON.parse(initialEl.textContent)) : [];
  const rows = document.getElementById("condition-rows");
  function valueInput(field, op, value) {
    const f = meta.fields[field];
    if (op === "empty") return "";
    const v = value === undefined || value === null ? "" : value;
    if (op === "between") {
      const t = f.kind === "date" ? "date" : "text";
      const a = Array.isArray(v) ? v : ["", ""];
      return `<input class="form-control form-control-sm v1" type="${t}" value="${a[0]}"><input class="form-control form-control-sm v2" type="${t}" value="${a[1]}">`;
    }
    if (f.choices.length) {
      const multiple = op === "in" ? "multiple" : "";
      const sel = Array.isArray(v) ? v.map(String) : [String(v)];
      return `<select class="form-select form-select-sm v1" ${multiple}>` + f.choices.map(c => `<option value="${c[0]}" ${sel.includes(String(c[0])) ? "selected" : ""}>${c[1]}</option>`).join("") + "</select>";
    }
    if (f.kind === "bool") return `<select class="form-select form-select-sm v1"><option value="true">是</option><option value="false" ${v === false || v === "false" ? "selected" : ""}>否</option></select>`;
    const t = f.kind === "date" ? "date" : "text";
    return `<input class="form-control form-control-sm v1" type="${t}" value="${v}">`;
  }
  function addRow(c) {
    c = c || {field: "title", op: "contains", value: ""};
    const div = document.createElement("div");
    div.className = "d-flex gap-2 mb-2 condition-row";
    const fieldOpts = Object.entries(meta.fields).map(([k, f]) => `<option value="${k}" ${k === c.field ? "selected" : ""}>${f.label}</option>`).join("");
    div.innerHTML = `<select class="form-select form-select-sm w-auto field">${fieldOpts}</select><select class="form-select form-select-sm w-auto op"></select><span class="d-flex gap-1 flex-grow-1 value"></span><button type="button" class="btn btn-link btn-sm text-danger remove">删除</button>`;
    rows.appendChild(div);
    const fieldSel = div.querySelector(".field"), opSel = div.querySelector(".op"), valSpan = div.querySelector(".value");
    function fillOps(op) {
      const f = meta.fields[fieldSel.value];
      opSel.innerHTML = f.ops.map(o => `<option value="${o}" ${o === op ? "selected" : ""}>${meta.ops[o]}</option>`).join("");
    }
    fillOps(c.op);
    valSpan.innerHTML = valueInput(fieldSel.value, opSel.value, c.value);
    fieldSel.onchange = () => { fillOps(); valSpan.innerHTML = valueInput(fieldSel.value, opSel.value); };
    opSel.onchange = () => { valSpan.innerHTML = valueInput(fieldSel.value, opSel.value); };
    div.querySelector(".remove").onclick = () => div.remove();
  }
  function collect() {
    return Array.from(rows.querySelectorAll(".condition-row")).map(div => {
      const field = div.querySelector(".field").value, op = div.querySelector(".op").value;
      const v1 = div.querySelector(".v1"), v2 = div.querySelector(".v2");
      let value = null;
      if (op === "between") value = [v1.value, v2.value];
      else if (op === "in") value = Array.from(v1.selectedOptions || []).map(o => o.value);
      else if (v1) value = v1.value;
      return {field, op, value};
    });
  }
  document.getElementById("add-condition").onclick = () => addRow();
  document.getElementById("run-form").onsubmit = () => { document.getElementById("run-conditions").value = JSON.stringify(collect()); };
  const save = document.getElementById("save-form");
  if (save) save.onsubmit = () => { document.getElementById("save-conditions").value = JSON.stringify(collect()); };
  (initial.length ? initial : [null]).forEach(addRow);
})();
