/* 实时监控: vehicles coloured by state, alarm panel, filters, text messages down, static layers.
 * Polls /api/v1/dispatch/live/?since=<cursor> every second (cheap: only what changed); when the channel
 * layer reaches this web process, /ws/dispatch/live/ pushes "changed" and the page polls at once. */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("live-config").textContent);
  const map = TEIS.map.create("live-map", { zoom: 10 });
  const vehicles = new Map(); // id → {data, marker}
  const alarms = new Map(); // id → data
  const vehicleLayer = L.layerGroup().addTo(map);
  const checkpointLayer = L.layerGroup().addTo(map);
  let cursor = 0, serverSkewMs = 0, offlineAfterS = 600, timer = null, inFlight = false, firstLoad = true;
  const $ = (id) => document.getElementById(id);
  const csrf = () => teisCsrfToken();
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const STATE_LABEL = { moving: "行驶", stopped: "停车", offline: "离线", alarm: "告警" };
  const fmt = (iso) => iso ? iso.replace("T", " ").slice(0, 19) : "—";

  function effectiveState(v) {
    if (v.state === "alarm" || v.state === "offline" || !v.time) return v.time ? v.state : "offline";
    const age = (Date.now() + serverSkewMs - Date.parse(v.time)) / 1000;
    return age > offlineAfterS ? "offline" : v.state;
  }

  function icon(v, state) {
    return L.divIcon({ className: "", iconSize: [14, 14], iconAnchor: [7, 7],
      html: `<div class="veh-marker veh-${state}" data-vehicle-id="${v.id}" data-state="${state}" title="${esc(v.plate)}"></div>` });
  }

  function popupHtml(v) {
    const state = effectiveState(v);
    const start = new Date(Date.now() - 4 * 3600 * 1000).toISOString();
    return `<div class="small" data-popup-vehicle="${v.id}"><strong>${esc(v.plate)}</strong> <span class="badge bg-secondary">${esc(v.kind_label)}</span><br>
      单位：${esc(v.unit)}${v.line ? "（" + esc(v.line) + "）" : ""}<br>状态：${STATE_LABEL[state]}；速度 ${v.speed == null ? "—" : v.speed.toFixed(1)} km/h；方向 ${v.heading ?? "—"}°<br>
      定位时间：${fmt(v.time)}<br>经纬度：${v.lon == null ? "—" : v.lon.toFixed(6) + ", " + v.lat.toFixed(6)}<br>终端：${v.has_terminal ? (v.online ? "在线" : "未连接") : "无"}
      <div class="mt-1">${cfg.canText && v.has_terminal ? `<button class="btn btn-sm btn-primary py-0" data-text-vehicle="${v.id}">信息下发</button> ` : ""}
      <a class="btn btn-sm btn-outline-secondary py-0" href="${cfg.trackUrl}?vehicle=${v.id}&start=${encodeURIComponent(start)}">轨迹回放</a></div></div>`;
  }

  function applyVehicle(v) {
    let entry = vehicles.get(v.id);
    if (!entry) { entry = { data: v, marker: null }; vehicles.set(v.id, entry); }
    entry.data = v;
    const state = effectiveState(v);
    const wanted = $("f-state").value;
    const visible = v.lon != null && (!wanted || wanted === state);
    if (!visible) { if (entry.marker) { vehicleLayer.removeLayer(entry.marker); entry.marker = null; } return; }
    if (!entry.marker) {
      entry.marker = L.marker([v.lat, v.lon], { icon: icon(v, state), zIndexOffset: state === "alarm" ? 1000 : 0 });
      entry.marker.bindTooltip(v.plate, { direction: "top", offset: [0, -6] });
      entry.marker.bindPopup(() => popupHtml(entry.data));
      entry.marker.addTo(vehicleLayer);
    } else {
      entry.marker.setLatLng([v.lat, v.lon]);
      entry.marker.setIcon(icon(v, state));
      if (entry.marker.isPopupOpen()) entry.marker.setPopupContent(popupHtml(v));
    }
    entry.state = state;
  }

  function renderList() {
    const q = $("f-plate").value.trim();
    const rows = [...vehicles.values()].filter((e) => !q || e.data.plate.includes(q))
      .sort((a, b) => a.data.plate.localeCompare(b.data.plate, "zh")).slice(0, 300);
    $("vehicle-count").textContent = `${vehicles.size} 辆`;
    $("vehicle-list").innerHTML = rows.map((e) => { const s = effectiveState(e.data);
      return `<div class="d-flex align-items-center py-1 border-bottom" role="button" data-focus-vehicle="${e.data.id}"><span class="legend-dot veh-${s}"></span>${esc(e.data.plate)}<span class="ms-auto text-muted">${STATE_LABEL[s]}</span></div>`; }).join("");
  }

  function renderAlarms() {
    const list = [...alarms.values()].filter((a) => !a.acknowledged).sort((a, b) => b.started_at.localeCompare(a.started_at));
    $("alarm-count").textContent = list.length;
    $("alarm-panel").innerHTML = list.length ? list.map((a) => `<div class="border-bottom py-1 alarm-item" data-alarm-id="${a.id}" data-alarm-kind="${a.kind}">
        <span class="badge ${a.ended_at ? "bg-secondary" : "bg-danger"}">${esc(a.kind_label)}</span> ${esc(a.plate || a.officer)}<br>
        <span class="text-muted">${fmt(a.started_at)}${a.ended_at ? " 至 " + fmt(a.ended_at).slice(11) : "（持续中）"}</span><br>${esc(a.message)}
        <div>${a.lon != null ? `<a href="#" data-alarm-locate="${a.id}">定位</a> ` : ""}${cfg.canAlarm ? `<a href="#" data-alarm-ack="${a.id}">确认</a> ` : ""}${cfg.canCase && cfg.canAlarm && !a.case_id ? `<a href="#" data-alarm-case="${a.id}">立案</a> ` : ""}${a.case_id ? `<a href="/cases/${a.case_id}/">已立案</a>` : ""}
        <a href="${cfg.alarmUrl}${a.id}/handle/">详情</a></div></div>`).join("") : '<div class="text-muted">暂无告警</div>';
  }

  function apply(data) {
    serverSkewMs = Date.parse(data.now) - Date.now();
    offlineAfterS = data.offline_after_s;
    if (data.full) { vehicles.forEach((e) => e.marker && vehicleLayer.removeLayer(e.marker)); vehicles.clear(); alarms.clear(); }
    data.vehicles.forEach(applyVehicle);
    let fresh = 0;
    data.alarms.forEach((a) => { if (!alarms.has(a.id) && !a.acknowledged && !firstLoad) fresh++; alarms.set(a.id, a); });
    for (const [id, a] of alarms) if (a.acknowledged && a.ended_at) alarms.delete(id);
    if (fresh) { $("alarm-panel").closest(".teis-card").classList.add("border-danger"); setTimeout(() => $("alarm-panel").closest(".teis-card").classList.remove("border-danger"), 3000); }
    cursor = data.cursor;
    firstLoad = false;
    renderAlarms();
    renderList();
    $("live-status").textContent = `更新于 ${new Date().toLocaleTimeString("zh-CN", { hour12: false })}`;
  }

  function poll() {
    if (inFlight) return;
    inFlight = true;
    clearTimeout(timer);
    const params = new URLSearchParams({ since: cursor, unit: $("f-unit").value, line: $("f-line").value });
    fetch(`${cfg.api}live/?${params}`, { credentials: "same-origin" })
      .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(apply)
      .catch(() => { $("live-status").textContent = "连接中断，正在重试…"; })
      .finally(() => { inFlight = false; timer = setTimeout(poll, 1000); });
  }

  function restart() { cursor = 0; firstLoad = true; poll(); }
  ["f-unit", "f-line"].forEach((id) => $(id).addEventListener("change", restart));
  $("f-state").addEventListener("change", () => { vehicles.forEach((e) => applyVehicle(e.data)); });
  $("f-plate").addEventListener("input", renderList);
  setInterval(() => { vehicles.forEach((e) => { if (effectiveState(e.data) !== e.state) applyVehicle(e.data); }); }, 15000);

  // push: a "changed" event makes the page poll at once
  try {
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/dispatch/live/");
    ws.onmessage = () => { if (!inFlight) poll(); };
  } catch (e) { /* polling alone */ }

  fetch(`${cfg.api}live/layers/`, { credentials: "same-origin" }).then((r) => r.json()).then((layers) => {
    const units = TEIS.map.unitLayer(map, layers.jurisdictions);
    layers.checkpoints.forEach((c) => {
      L.circleMarker([c.lat, c.lon], { radius: 6, color: c.kind === "overload_station" ? "#fd7e14" : "#6f42c1", fillOpacity: 0.8 })
        .bindTooltip(`${c.kind_label}：${c.name}`).addTo(checkpointLayer);
    });
    L.control.layers(null, { "执法区域": units, "检查站/治超站": checkpointLayer, "车辆": vehicleLayer }, { collapsed: false }).addTo(map);
    if (units.getBounds().isValid()) map.fitBounds(units.getBounds(), { maxZoom: 12 });
  }).catch(() => {});

  // clicks
  let textVehicle = null, ackAlarm = null;
  document.addEventListener("click", (ev) => {
    const t = ev.target.closest("[data-text-vehicle],[data-focus-vehicle],[data-alarm-ack],[data-alarm-case],[data-alarm-locate]");
    if (!t) return;
    ev.preventDefault();
    if (t.dataset.textVehicle) {
      textVehicle = +t.dataset.textVehicle;
      $("text-plate").textContent = vehicles.get(textVehicle).data.plate;
      $("text-result").textContent = ""; $("text-body").value = "";
      bootstrap.Modal.getOrCreateInstance($("text-modal")).show();
    } else if (t.dataset.focusVehicle) {
      const e = vehicles.get(+t.dataset.focusVehicle);
      if (e && e.marker) { map.setView(e.marker.getLatLng(), Math.max(map.getZoom(), 14)); e.marker.openPopup(); }
    } else if (t.dataset.alarmLocate) {
      const a = alarms.get(+t.dataset.alarmLocate);
      map.setView([a.lat, a.lon], Math.max(map.getZoom(), 14));
    } else if (t.dataset.alarmAck) {
      ackAlarm = +t.dataset.alarmAck;
      const a = alarms.get(ackAlarm);
      $("ack-alarm").textContent = `${a.kind_label}：${a.message}`; $("ack-note").value = ""; $("ack-result").textContent = "";
      bootstrap.Modal.getOrCreateInstance($("ack-modal")).show();
    } else if (t.dataset.alarmCase) {
      if (!confirm("根据该告警生成预登记案件（附轨迹截图）？")) return;
      post(`alarms/${t.dataset.alarmCase}/file-case/`, {}).then(([ok, body]) => {
        if (ok) location.href = body.url; else alert(body.message);
      });
    }
  });

  function post(path, body) {
    return fetch(cfg.api + path, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify(body) })
      .then((r) => r.json().then((b) => [r.ok, b]));
  }

  $("text-send").addEventListener("click", () => {
    post(`vehicles/${textVehicle}/text/`, { text: $("text-body").value }).then(([ok, b]) => {
      if (!ok) { $("text-result").innerHTML = `<span class="text-danger">${esc(b.message)}</span>`; return; }
      $("text-result").innerHTML = `<span class="text-success" id="text-status">已排队（${esc(b.status_label)}）</span>`;
      let n = 0;
      const check = () => fetch(`${cfg.api}commands/${b.id}/`, { credentials: "same-origin" }).then((r) => r.json()).then((c) => {
        $("text-result").innerHTML = `<span class="text-success" id="text-status">${esc(c.status_label)}</span>`;
        if (c.status === "pending" || c.status === "sent") { if (++n < 30) setTimeout(check, 1000); }
      });
      setTimeout(check, 1000);
    });
  });
  $("ack-send").addEventListener("click", () => {
    post(`alarms/${ackAlarm}/acknowledge/`, { note: $("ack-note").value }).then(([ok, b]) => {
      if (!ok) { $("ack-result").textContent = b.message; return; }
      bootstrap.Modal.getOrCreateInstance($("ack-modal")).hide();
      const a = alarms.get(ackAlarm); if (a) { a.acknowledged = true; renderAlarms(); }
      poll();
    });
  });

  poll();
})();
