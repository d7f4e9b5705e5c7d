/* 轨迹回放: the server simplifies the track to the map's zoom (Douglas–Peucker) so long periods draw smoothly;
 * play / pause / speed move a marker along the track by fix time; the speed chart follows the cursor. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const map = TEIS.map.create("track-map");
  const chart = echarts.init($("t-chart"));
  let data = null, line = null, marker = null, stopsLayer = L.layerGroup().addTo(map), idx = 0, playing = null, lastZoom = null;
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const hms = (s) => `${Math.floor(s / 3600)}小时${Math.floor((s % 3600) / 60)}分`;
  const localIso = (v) => v ? new Date(v).toISOString() : "";
  const clock = (t) => new Date(t * 1000).toLocaleString("zh-CN", { hour12: false });

  function query(zoom) {
    const v = $("t-vehicle").value;
    if (!v) return;
    const params = new URLSearchParams({ start: localIso($("t-start").value), end: localIso($("t-end").value), zoom: zoom });
    fetch(`/api/v1/dispatch/tracks/${v}/?${params}`, { credentials: "same-origin" }).then((r) => r.json().then((b) => [r.ok, b])).then(([ok, b]) => {
      if (!ok) { alert(b.message); return; }
      draw(b, zoom);
    });
    const ep = new URLSearchParams({ start: localIso($("t-start").value), end: localIso($("t-end").value) });
    $("t-exports").innerHTML = ["xlsx:Excel", "gpx:GPX", "kml:KML", "pdf:轨迹图 PDF"].map((x) => { const [f, l] = x.split(":");
      return `<a class="btn btn-outline-secondary btn-sm" href="/dispatch/track/${v}/export.${f}?${ep}">${l}</a>`; }).join(" ");
  }

  function draw(b, zoom) {
    const first = !data || data.vehicle.id !== b.vehicle.id || lastZoom === null;
    data = b; lastZoom = zoom;
    if (line) map.removeLayer(line);
    stopsLayer.clearLayers();
    const pts = b.points.map((p) => [p[2], p[1]]);
    $("t-totals").innerHTML = `<tr><th>里程</th><td id="tot-distance">${b.totals.distance_km} km</td><th>最高速度</th><td>${b.totals.max_speed} km/h</td></tr>
      <tr><th>行驶时间</th><td>${hms(b.totals.moving_s)}</td><th>停留时间</th><td>${hms(b.totals.stopped_s)}</td></tr>
      <tr><th>定位点</th><td id="tot-points">${b.total_points}</td><th>显示点</th><td id="tot-shown">${b.points.length}</td></tr>`;
    $("t-segments").innerHTML = `<table class="table table-sm mb-0"><thead><tr><th>类型</th><th>开始</th><th>结束</th><th>时长</th><th>里程</th><th>最高速度</th></tr></thead><tbody>` +
      [...b.trips.map((t) => ["行程", t]), ...b.stops.map((s) => ["停留", s])].sort((a, c) => a[1].start.localeCompare(c[1].start))
        .map(([k, s]) => `<tr><td>${k}</td><td>${s.start.slice(0, 19).replace("T", " ")}</td><td>${s.end.slice(11, 19)}</td><td>${hms(s.seconds)}</td><td>${k === "行程" ? s.distance_km + " km" : ""}</td><td>${k === "行程" ? s.max_speed : ""}</td></tr>`).join("") + "</tbody></table>";
    if (!pts.length) { $("t-clock").textContent = "该时段没有定位"; return; }
    line = L.polyline(pts, { color: "#d6336c", weight: 3 }).addTo(map);
    b.stops.forEach((s) => L.circleMarker([s.lat, s.lon], { radius: 5, color: "#0d6efd" }).bindTooltip(`停留 ${hms(s.seconds)}`).addTo(stopsLayer));
    if (first) map.fitBounds(line.getBounds(), { maxZoom: 16 });
    if (!marker) marker = L.circleMarker(pts[0], { radius: 8, color: "#fff", weight: 2, fillColor: "#198754", fillOpacity: 1 }).addTo(map);
    $("t-slider").max = b.points.length - 1;
    idx = Math.min(idx, b.points.length - 1);
    $("t-play").disabled = $("t-pause").disabled = false;
    chart.setOption({
      grid: { left: 40, right: 10, top: 10, bottom: 30 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "time" }, yAxis: { type: "value", name: "km/h" },
      series: [{ type: "line", showSymbol: false, data: b.speed_series.map((p) => [p[0] * 1000, p[1]]), markLine: { symbol: "none", label: { show: false }, data: [] } }],
    });
    seek(idx);
  }

  function seek(i) {
    if (!data || !data.points.length) return;
    idx = Math.max(0, Math.min(i, data.points.length - 1));
    const p = data.points[idx];
    marker.setLatLng([p[2], p[1]]);
    $("t-slider").value = idx;
    $("t-clock").textContent = `${clock(p[0])}  ${p[3]} km/h`;
    $("t-clock").dataset.index = idx;
    $("t-clock").dataset.t = p[0];
    chart.setOption({ series: [{ markLine: { symbol: "none", label: { show: false }, data: [{ xAxis: p[0] * 1000 }] } }] });
  }

  function play() {
    if (playing || !data) return;
    if (idx >= data.points.length - 1) idx = 0;
    let simT = data.points[idx][0], last = performance.now();
    const step = (now) => {
      simT += ((now - last) / 1000) * +$("t-speed").value; last = now;
      while (idx < data.points.length - 1 && data.points[idx + 1][0] <= simT) idx++;
      seek(idx);
      if (idx >= data.points.length - 1) { playing = null; return; }
      playing = requestAnimationFrame(step);
    };
    playing = requestAnimationFrame(step);
  }
  function pause() { if (playing) cancelAnimationFrame(playing); playing = null; }

  $("t-play").addEventListener("click", play);
  $("t-pause").addEventListener("click", pause);
  $("t-slider").addEventListener("input", (e) => { pause(); seek(+e.target.value); });
  $("t-load").addEventListener("click", (e) => { e.preventDefault(); pause(); data = null; lastZoom = null; idx = 0; query(map.getZoom()); });
  map.on("zoomend", () => { if (data && map.getZoom() !== lastZoom) { const t = data.points[idx] && data.points[idx][0];
    query(map.getZoom()); if (t) setTimeout(() => { if (data) { const j = data.points.findIndex((p) => p[0] >= t); if (j >= 0) seek(j); } }, 300); } });
  if ($("t-vehicle").value) query(map.getZoom());
})();
