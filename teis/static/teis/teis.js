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

// Ask before an irreversible action: any button or link with data-confirm="what will happen".
document.addEventListener("click", function (e) {
  const el = e.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) { e.preventDefault(); e.stopImmediatePropagation(); }
}, true);

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
