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
  const csrf = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  fetch(btn.dataset.revealUrl, { method: "POST", headers: { "X-CSRFToken": csrf ? csrf.split("=")[1] : "" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
    .then((d) => { btn.previousElementSibling.textContent = d.value; btn.remove(); })
    .catch(() => alert("没有查看权限或对象不存在。"));
});
