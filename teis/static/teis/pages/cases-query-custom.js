// teis/templates/cases/query_custom.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const catalogue = JSON.parse(document.getElementById("field-catalogue").textContent);
  const byName = Object.fromEntries(catalogue.map(f => [f.name, f]));
  const box = document.getElementById("conditions");
  const hidden = [document.getElementById("conditions-json"), document.getElementById("save-conditions")];
  function row(c) {
    const div = document.createElement("div");
    div.className = "row g-2 mb-2 condition";
    const fieldSel = document.createElement("select"); fieldSel.className = "form-select form-select-sm";
    catalogue.forEach(f => fieldSel.add(new Option(f.label, f.name)));
    const opSel = document.createElement("select"); opSel.className = "form-select form-select-sm";
    const value = document.createElement("input"); value.className = "form-control form-control-sm";
    value.placeholder = "值（属于：逗号分隔；介于：起,止）";
    const del = document.createElement("button"); del.type = "button"; del.className = "btn btn-link btn-sm text-danger"; del.textContent = "删除";
    function fillOps() {
      const f = byName[fieldSel.value]; opSel.innerHTML = "";
      f.ops.forEach(o => opSel.add(new Option(o.label, o.code)));
      value.type = f.kind === "date" ? "text" : "text";
      value.title = f.choices.length ? "可选：" + f.choices.map(x => x.value + "=" + x.label).join("，") : "";
    }
    fieldSel.onchange = fillOps; del.onclick = () => { div.remove(); sync(); };
    [fieldSel, opSel, value].forEach(el => el.addEventListener("change", sync));
    fieldSel.value = (c && c.field in byName) ? c.field : catalogue[0].name; fillOps();
    if (c) { opSel.value = c.op; value.value = Array.isArray(c.value) ? c.value.join(",") : (c.value ?? ""); }
    [fieldSel, opSel, value, del].forEach((el, i) => { const col = document.createElement("div"); col.className = i === 2 ? "col-md-5" : "col-md-" + (i === 3 ? 1 : 3); col.appendChild(el); div.appendChild(col); });
    box.appendChild(div);
  }
  function sync() {
    const out = [...box.querySelectorAll(".condition")].map(d => {
      const [f, o, v] = d.querySelectorAll("select, input");
      let value = v.value;
      if (o.value === "in" || o.value === "between") value = value.split(/[,，]/).map(s => s.trim()).filter(s => s);
      if (o.value === "empty") value = true;
      return {field: f.value, op: o.value, value: value};
    });
    hidden.forEach(h => h.value = JSON.stringify(out));
  }
  let initial = [];
  try { initial = JSON.parse(hidden[0].value || "[]"); } catch (e) { initial = []; }
  (Array.isArray(initial) ? initial : []).forEach(row);
  if (!box.children.length) row(null);
  document.getElementById("add-condition").onclick = () => { row(null); sync(); };
  document.getElementById("run-form").addEventListener("submit", sync);
  document.getElementById("save-form").addEventListener("submit", sync);
  sync();
})();
