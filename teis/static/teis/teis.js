// The CSRF token comes from the page (the body's hx-headers): the cookie is HttpOnly.
function teisCsrfToken() {
  try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
}

// Live top-bar counts over the notifications WebSocket; reconnects with backoff.
(function () {
  if (!document.getElementById("todo-count")) return;
  let delay = 1000;
  function connect() {
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(proto + "://" + location.host + "/ws/notifications/");
    ws.onopen = function () { delay = 1000; };
    ws.onmessage = function (e) {
      const msg = JSON.parse(e.data);
      if (msg.type === "counts") {
        document.getElementById("todo-count").textContent = msg.counts.todo;
        document.getElementById("unread-count").textContent = msg.counts.unread;
      }
    };
    ws.onclose = function (e) {
      if (e.code === 4401) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();

// Reveal a masked value (audited on the server).
document.addEventListener("click", function (e) {
  const btn = e.target.closest("[data-reveal-url]");
  if (!btn) return;
  e.preventDefault();
  fetch(btn.dataset.revealUrl, { method: "POST", headers: { "X-CSRFToken": teisCsrfToken() } })
    .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
    .then((d) => { btn.previousElementSibling.textContent = d.value; btn.remove(); })
    .catch(() => alert("没有查看权限或对象不存在。"));
});

// Side menu: groups fold and unfold (remembered per browser); the group of the open page always shows;
// the filter box narrows ~100 entries to those whose label contains the typed text.
(function () {
  const menu = document.getElementById("side-menu");
  if (!menu) return;
  const KEY = "teis.menu.collapsed";
  let collapsed;
  try { collapsed = new Set(JSON.parse(localStorage.getItem(KEY) || "[]")); } catch (e) { collapsed = new Set(); }
  const sections = Array.from(menu.querySelectorAll(".teis-menu-section"));
  function setFolded(section, folded) {
    section.classList.toggle("collapsed", folded);
    section.querySelector(".teis-menu-group").setAttribute("aria-expanded", folded ? "false" : "true");
  }
  sections.forEach(function (section) {
    const name = section.dataset.menuGroup;
    setFolded(section, collapsed.has(name) && !section.querySelector(".nav-link.active"));
    section.querySelector(".teis-menu-group").addEventListener("click", function () {
      const folded = !section.classList.contains("collapsed");
      setFolded(section, folded);
      if (folded) collapsed.add(name); else collapsed.delete(name);
      try { localStorage.setItem(KEY, JSON.stringify(Array.from(collapsed))); } catch (e) { /* private mode */ }
    });
  });
  const filter = document.getElementById("menu-filter");
  const empty = document.getElementById("menu-filter-empty");
  if (!filter) return;
  filter.addEventListener("input", function () {
    const text = filter.value.trim().toLowerCase();
    let shown = 0;
    sections.forEach(function (section) {
      let inSection = 0;
      section.querySelectorAll(".nav-item").forEach(function (item) {
        const match = !text || item.textContent.toLowerCase().includes(text);
        item.classList.toggle("d-none", !match);
        if (match) inSection += 1;
      });
      section.classList.toggle("d-none", inSection === 0);
      // while filtering every matching group is open; clearing the box restores the folded state
      if (text) section.classList.remove("collapsed");
      else setFolded(section, collapsed.has(section.dataset.menuGroup) && !section.querySelector(".nav-link.active"));
      shown += inSection;
    });
    empty.classList.toggle("d-none", shown > 0);
  });
})();

// Behaviours that would otherwise be inline handlers (the Content-Security-Policy forbids those).
document.addEventListener("change", function (e) {
  const el = e.target;
  if (el.matches("[data-submit-on-change]") && el.form) el.form.submit();
  if (el.matches("[data-check-all]")) {
    document.querySelectorAll(el.dataset.checkAll).forEach((c) => { c.checked = el.checked; });
  }
});

// data-confirm="what will happen" (irreversible actions): handled below by the shell's confirmation modal.

// --- Messages that show -----------------------------------------------------------------------------
// A small toast for answers that carry no form (a refused HTMX request, a lost connection).
window.TEIS = window.TEIS || {};
TEIS.toast = function (text, kind) {
  let box = document.getElementById("teis-toasts");
  if (!box) {
    box = document.createElement("div");
    box.id = "teis-toasts";
    box.className = "toast-container position-fixed top-0 end-0 p-3";
    document.body.appendChild(box);
  }
  const el = document.createElement("div");
  el.className = "toast align-items-center text-bg-" + (kind || "danger") + " border-0";
  el.setAttribute("role", "alert");
  el.innerHTML = '<div class="d-flex"><div class="toast-body"></div><button type="button" class="btn-close btn-close-white me-2 m-auto" data-bs-dismiss="toast" aria-label="关闭"></button></div>';
  el.querySelector(".toast-body").textContent = text;
  box.appendChild(el);
  if (window.bootstrap) new bootstrap.Toast(el, { delay: 8000 }).show(); else el.classList.add("show");
};

// Form errors: a field's message sits under it (.invalid-feedback); mark the field itself, then move focus
// to the first field in error so the officer sees what to fix (the summary at the top lists them all).
TEIS.showFormErrors = function (root) {
  root = root || document;
  root.querySelectorAll(".invalid-feedback").forEach(function (fb) {
    fb.parentElement.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (input) {
      input.classList.add("is-invalid");
      input.setAttribute("aria-invalid", "true");
    });
  });
  const summary = root.querySelector(".teis-error-summary");
  const first = root.querySelector(".is-invalid");
  if (summary) summary.scrollIntoView({ block: "start" });
  if (first) first.focus({ preventScroll: !!summary && isInView(first) });
  else if (summary) summary.focus();
};
function isInView(el) {
  const r = el.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight;
}
document.addEventListener("DOMContentLoaded", function () {
  if (document.querySelector(".teis-error-summary, .invalid-feedback")) TEIS.showFormErrors(document);
});
document.addEventListener("click", function (e) {
  const link = e.target.closest("[data-error-field]");
  if (!link) return;
  const field = document.getElementById(link.dataset.errorField);
  if (field) { e.preventDefault(); field.focus(); field.scrollIntoView({ block: "center" }); }
});

// htmx 2 does not swap 4xx answers: a form posted with HTMX that comes back 400/422 is the same form with
// its errors, so it is swapped in like a 200; any other refused request says why in a toast.
document.addEventListener("htmx:beforeSwap", function (e) {
  const xhr = e.detail.xhr;
  if (xhr.status !== 400 && xhr.status !== 422) return;
  const type = xhr.getResponseHeader("Content-Type") || "";
  if (type.indexOf("text/html") === -1) return;
  e.detail.shouldSwap = true;
  e.detail.isError = false;
});
document.addEventListener("htmx:afterSettle", function (e) {
  const target = e.detail.target;
  if (target && target.querySelector && target.querySelector(".teis-error-summary, .invalid-feedback")) TEIS.showFormErrors(target);
});
function responseMessage(xhr) {
  const type = xhr.getResponseHeader("Content-Type") || "";
  if (type.indexOf("json") !== -1) {
    try {
      const body = JSON.parse(xhr.responseText);
      if (body.message) return body.message;
      if (body.detail) return body.detail;
    } catch (err) { /* not JSON after all */ }
  }
  if (type.indexOf("text/plain") !== -1 && xhr.responseText && xhr.responseText.length < 300) return xhr.responseText;
  if (xhr.status === 403) return "没有权限执行此操作。";
  if (xhr.status === 404) return "对象不存在或不在您的数据范围内。";
  if (xhr.status >= 500) return "服务器处理出错，请稍后重试；如仍失败请联系运维人员。";
  return "操作未成功（" + xhr.status + "），请检查后重试。";
}
document.addEventListener("htmx:responseError", function (e) { TEIS.toast(responseMessage(e.detail.xhr)); });
document.addEventListener("htmx:sendError", function () { TEIS.toast("网络连接失败，请检查网络后重试。"); });

// --- Confirmation before irreversible actions ---------------------------------------------------------
// `data-confirm="立案赋码后案件编号不可更改……"` on a submit button, a form or a link (and htmx's hx-confirm)
// asks in a modal first; "确定" carries on with the same click, "取消" does nothing.
(function () {
  let modal = null;
  let onOk = null;
  function dialog() {
    if (modal) return modal;
    const el = document.createElement("div");
    el.className = "modal fade";
    el.id = "teis-confirm";
    el.tabIndex = -1;
    el.setAttribute("aria-labelledby", "teis-confirm-title");
    el.innerHTML =
      '<div class="modal-dialog modal-dialog-centered"><div class="modal-content">' +
      '<div class="modal-header"><h5 class="modal-title" id="teis-confirm-title"><i class="bi bi-exclamation-triangle text-warning"></i> 请确认</h5>' +
      '<button type="button" class="btn-close" data-bs-dismiss="modal" aria-label="关闭"></button></div>' +
      '<div class="modal-body" id="teis-confirm-text"></div>' +
      '<div class="modal-footer"><button type="button" class="btn btn-outline-secondary" data-bs-dismiss="modal">取消</button>' +
      '<button type="button" class="btn btn-primary" id="teis-confirm-ok">确定</button></div></div></div>';
    document.body.appendChild(el);
    el.querySelector("#teis-confirm-ok").addEventListener("click", function () {
      const go = onOk;
      onOk = null;
      bootstrap.Modal.getOrCreateInstance(el).hide();
      if (go) go();
    });
    modal = el;
    return el;
  }
  TEIS.confirm = function (text, ok) {
    if (!window.bootstrap) { if (window.confirm(text)) ok(); return; }
    const el = dialog();
    el.querySelector("#teis-confirm-text").textContent = text;
    onOk = ok;
    bootstrap.Modal.getOrCreateInstance(el).show();
  };

  // Forms: the submitter's data-confirm, else the form's.
  document.addEventListener("submit", function (e) {
    const form = e.target;
    const submitter = e.submitter;
    const text = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (!text || form.dataset.confirmed === "1") { delete form.dataset.confirmed; return; }
    e.preventDefault();
    e.stopImmediatePropagation();
    TEIS.confirm(text, function () {
      form.dataset.confirmed = "1";
      if (form.requestSubmit) form.requestSubmit(submitter || undefined); else form.submit();
    });
  }, true);

  // Links and plain buttons (not submitters, which the form handler above covers).
  document.addEventListener("click", function (e) {
    const el = e.target.closest("a[data-confirm], button[data-confirm][type=button]");
    if (!el || el.hasAttribute("hx-confirm")) return;
    if (el.dataset.confirmed === "1") { delete el.dataset.confirmed; return; }
    e.preventDefault();
    e.stopImmediatePropagation();
    TEIS.confirm(el.dataset.confirm, function () {
      el.dataset.confirmed = "1";
      el.click();
    });
  }, true);

  // htmx's hx-confirm uses the same dialog instead of the browser's window.confirm.
  document.addEventListener("htmx:confirm", function (e) {
    if (!e.detail.question) return;
    e.preventDefault();
    TEIS.confirm(e.detail.question, function () { e.detail.issueRequest(true); });
  });
})();

// Tables scroll inside their card instead of widening the page (phones): wrap each table that is not
// already in a .table-responsive, on load and in every HTMX fragment.
TEIS.wrapTables = function (root) {
  (root || document).querySelectorAll(".teis-content table").forEach(function (table) {
    if (table.closest(".table-responsive, .teis-bpmn-canvas, .leaflet-container")) return;
    const wrap = document.createElement("div");
    wrap.className = "table-responsive";
    table.parentNode.insertBefore(wrap, table);
    wrap.appendChild(table);
  });
};
document.addEventListener("DOMContentLoaded", function () { TEIS.wrapTables(document); });
document.addEventListener("htmx:afterSettle", function (e) { TEIS.wrapTables(e.detail.target && e.detail.target.parentNode ? e.detail.target.parentNode : document); });
