// teis/templates/cases/pre_register.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
// Add a row to an inline formset (当事人 / 涉案车辆) from its empty form.
document.addEventListener("click", function (e) {
  const btn = e.target.closest("[data-add-row]");
  if (!btn) return;
  e.preventDefault();
  const prefix = btn.dataset.addRow;
  const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  const tpl = document.getElementById(prefix + "-empty").innerHTML.replace(/__prefix__/g, total.value);
  document.getElementById(prefix + "-rows").insertAdjacentHTML("beforeend", tpl);
  total.value = parseInt(total.value, 10) + 1;
});
