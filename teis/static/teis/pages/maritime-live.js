// teis/templates/maritime/live.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const urls = document.currentScript.dataset;  // the page's addresses, from its script tag
  const COLORS = {cargo: "#1f77b4", tanker: "#d62728", passenger: "#2ca02c", tug: "#ff7f0e", fishing: "#17becf",
    high_speed: "#9467bd", pleasure: "#e377c2", special: "#8c564b", other: "#7f7f7f"};
  const LABELS = JSON.parse(document.getElementById("cat-data").textContent);
  const AREA_COLORS = {key_area: "#0d6efd", water_source_zone: "#198754", berth: "#6c757d", anchorage: "#6f42c1"};
  const map = TEIS.map.create("live-map");
  map.setView([31.24, 121.49], 12);
  const markers = new Map();
  let seq = 0, alertSeq = -1, openAlerts = 0, busy = false;

  JSON.parse(document.getElementById("areas-data").textContent).forEach(function (a) {
    L.geoJSON(a.geometry, {style: {color: AREA_COLORS[a.kind] || "#0d6efd", weight: 2, fillOpacity: 0.08}})
      .bindTooltip(a.name + "（" + a.kind_label + "）").addTo(map);
  });
  JSON.parse(document.getElementById("sections-data").textContent).forEach(function (s) {
    L.polyline(s.coordinates.map(function (p) { return [p[1], p[0]]; }), {color: "#fd7e14", weight: 4, dashArray: "6 4"})
      .bindTooltip("断面：" + s.name).addTo(map);
  });
  document.getElementById("legend").innerHTML = Object.keys(COLORS).map(function (k) {
    const label = (LABELS.find(function (c) { return c[0] === k; }) || [k, k])[1];
    return '<span class="me-2"><span style="display:inline-block;width:10px;height:10px;background:' + COLORS[k] + '"></span> ' + label + "</span>";
  }).join("");

  function shipSvg(v) {
    const c = v.high_risk ? "#dc3545" : (COLORS[v.category] || COLORS.other);
    const stroke = v.dangerous_goods ? "#ffc107" : "#222";
    const moving = v.sog !== null && v.sog >= 0.5;
    const shape = moving ? "M9 1 L16 19 L9 15 L2 19 Z" : "M9 3 L15 9 L9 15 L3 9 Z";
    return '<svg width="18" height="20" viewBox="0 0 18 20"><path d="' + shape + '" fill="' + c + '" stroke="' + stroke + '" stroke-width="1.5"/></svg>';
  }
  function icon(v) {
    const angle = v.heading !== null && v.heading !== undefined && v.heading < 360 ? v.heading : (v.cog || 0);
    return L.divIcon({className: "ship-icon", iconSize: [18, 20], iconAnchor: [9, 10],
      html: '<div style="transform: rotate(' + angle + 'deg)" data-mmsi="' + v.mmsi + '">' + shipSvg(v) + "</div>"});
  }
  function tip(v) {
    return escapeText(v.name || "未知船名") + " · " + v.mmsi + "<br>" + (v.ship_type_label ? "船型 " + v.ship_type_label + "<br>" : "") + v.category_label + " · " + (v.sog ?? "—") + " 节 · 航向 " + (v.cog ?? "—") + "°";
  }
  function escapeText(t) { const el = document.createElement("span"); el.textContent = t; return el.innerHTML; }
  function upsert(v) {
    if (v.lat === null || v.lon === null) return;
    let m = markers.get(v.id);
    if (!m) {
      m = L.marker([v.lat, v.lon], {icon: icon(v), title: v.name || String(v.mmsi)}).addTo(map);
      m.on("click", function () { showCard(v.id); });
      markers.set(v.id, m);
    } else {
      m.setLatLng([v.lat, v.lon]);
      m.setIcon(icon(v));
    }
    m.bindTooltip(tip(v));
  }
  function showCard(id) {
    fetch(urls.vesselCard.replace("/0/", "/" + id + "/"), {headers: {"HX-Request": "true"}})
      .then(function (r) { return r.text(); })
      .then(function (html) { document.getElementById("vessel-card").innerHTML = html; });
  }
  function addAlert(a) {
    const none = document.getElementById("no-alerts"); if (none) none.remove();
    const el = document.createElement("a");
    el.className = "list-group-item list-group-item-action list-group-item-warning";
    el.href = urls.alertList + a.id + "/";
    el.textContent = a.kind_label + "：" + a.message + (a.attention ? "（" + a.attention + "）" : (a.repeat_offender ? "（多次违法船舶）" : ""));
    el.dataset.alertId = a.id;
    document.getElementById("alert-feed").prepend(el);
  }
  function apply(data) {
    (data.vessels || []).forEach(upsert);
    (data.alerts || []).forEach(addAlert);
    if (data.seq !== undefined && data.seq > seq) seq = data.seq;
    if (data.alert_seq !== undefined && data.alert_seq > alertSeq) alertSeq = data.alert_seq;
    if (data.open_alerts !== undefined) openAlerts = data.open_alerts;
    else openAlerts += (data.alerts || []).length;
    document.getElementById("open-alert-count").textContent = openAlerts;
    document.getElementById("vessel-count").textContent = markers.size;
    document.getElementById("last-update").textContent = new Date().toLocaleTimeString("zh-CN");
  }
  function poll() {
    if (busy) return;
    busy = true;
    fetch(urls.liveDelta + "?since=" + seq + "&alert=" + alertSeq)
      .then(function (r) { return r.json(); }).then(apply).catch(function () {}).finally(function () { busy = false; });
  }
  poll();
  setInterval(poll, 1000);

  // 航标 (AIS type 21) and 基站 (types 4 / 11): fixed layers, reloaded every minute. Their names come from the air:
  // the popups are built as DOM text, never as HTML.
  const aidLayer = L.layerGroup().addTo(map);
  const stationLayer = L.layerGroup().addTo(map);
  L.control.layers(null, {"航标": aidLayer, "基站（覆盖范围）": stationLayer}, {collapsed: false}).addTo(map);
  function popup(title, rows) {
    const box = document.createElement("div");
    box.className = "beacon-popup";
    const head = document.createElement("div");
    head.className = "fw-bold mb-1";
    head.textContent = title;
    box.appendChild(head);
    const table = document.createElement("table");
    rows.forEach(function (r) {
      const tr = table.insertRow();
      const th = document.createElement("th"); th.textContent = r[0]; tr.appendChild(th);
      tr.insertCell().textContent = r[1];
    });
    box.appendChild(table);
    return box;
  }
  function when(iso) { return iso ? new Date(iso).toLocaleString("zh-CN", {hour12: false}) : "—"; }
  function aidIcon(a) {
    const fill = a.off_position ? "#dc3545" : (a.category === "浮动航标" ? "#ffc107" : "#0dcaf0");
    const dash = a.virtual ? ' stroke-dasharray="2 2"' : "";
    const shape = a.category === "浮动航标" ? '<circle cx="7" cy="7" r="5"' : '<path d="M7 1 L13 13 L1 13 Z"';
    return L.divIcon({className: "aid-icon", iconSize: [14, 14], iconAnchor: [7, 7],
      html: '<svg width="14" height="14" viewBox="0 0 14 14">' + shape + ' fill="' + fill + '" stroke="#222" stroke-width="1.2"' + dash + "/></svg>"});
  }
  const stationIcon = L.divIcon({className: "station-icon", iconSize: [14, 14], iconAnchor: [7, 7],
    html: '<svg width="14" height="14" viewBox="0 0 14 14"><rect x="2" y="2" width="10" height="10" fill="#6f42c1" stroke="#222"/></svg>'});
  function showBeacons(d) {
    aidLayer.clearLayers();
    stationLayer.clearLayers();
    (d.aids || []).forEach(function (a) {
      L.marker([a.lat, a.lon], {icon: aidIcon(a), title: a.name || String(a.mmsi)})
        .bindPopup(popup("航标：" + (a.name || "未知航标"), [
          ["MMSI", String(a.mmsi)], ["类型", a.type_label + "（代码 " + a.aid_type + "）"],
          ["虚拟航标", a.virtual ? "是" : "否"], ["位置", a.off_position ? "偏离设标位置" : "正常"],
          ["经纬度", a.lon.toFixed(5) + ", " + a.lat.toFixed(5)], ["最新报告", when(a.time)]]))
        .addTo(aidLayer);
    });
    (d.base_stations || []).forEach(function (b) {
      L.circle([b.lat, b.lon], {radius: b.coverage_km * 1000, color: "#6f42c1", weight: 1, fillOpacity: 0.04, interactive: false})
        .addTo(stationLayer);
      L.marker([b.lat, b.lon], {icon: stationIcon, title: b.name || String(b.mmsi)})
        .bindPopup(popup("AIS基站：" + (b.name || b.mmsi), [
          ["MMSI", String(b.mmsi)], ["覆盖半径", b.coverage_km + " 千米"],
          ["经纬度", b.lon.toFixed(5) + ", " + b.lat.toFixed(5)], ["最新报告", when(b.time)]]))
        .addTo(stationLayer);
    });
  }
  function loadBeacons() {
    fetch(urls.liveBeacons).then(function (r) { return r.json(); }).then(showBeacons).catch(function () {});
  }
  loadBeacons();
  setInterval(loadBeacons, 60000);
  // With a shared channel layer the push arrives before the next poll.
  try {
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/maritime/live/");
    ws.onmessage = function (e) { const d = JSON.parse(e.data); if (d.type === "delta") { (d.vessels || []).forEach(upsert); (d.alerts || []).forEach(function (a) { if (a.id > alertSeq) { addAlert(a); alertSeq = a.id; } }); } };
  } catch (err) { /* polling covers it */ }

  document.getElementById("search-form").addEventListener("submit", function (e) {
    e.preventDefault();
    const q = document.getElementById("search-q").value.trim();
    fetch(urls.vesselSearch + "?q=" + encodeURIComponent(q)).then(function (r) { return r.json(); }).then(function (d) {
      const box = document.getElementById("search-results");
      box.innerHTML = "";
      if (!d.results.length) { box.innerHTML = '<div class="list-group-item small text-muted">未找到船舶</div>'; return; }
      d.results.forEach(function (v) {
        const a = document.createElement("a");
        a.href = "#"; a.className = "list-group-item list-group-item-action small";
        a.textContent = (v.name || "未知船名") + " · MMSI " + v.mmsi + (v.call_sign ? " · " + v.call_sign : "");
        a.addEventListener("click", function (ev) { ev.preventDefault(); if (v.lat !== null) map.setView([v.lat, v.lon], 15); showCard(v.id); });
        box.appendChild(a);
      });
    });
  });
  window.TEIS_LIVE = {map: map, markers: markers};
})();
