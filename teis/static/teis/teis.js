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
