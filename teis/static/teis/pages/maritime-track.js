// teis/templates/maritime/track.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const dataUrl = document.currentScript.dataset.url;
  const map = TEIS.map.create("track-map");
  map.setView([31.24, 121.49], 12);
  let points = [], line = null, marker = null, timer = null, idx = 0, eventsLayer = L.layerGroup().addTo(map);
  const slider = document.getElementById("slider");
  function show(i) {
    if (!points.length) return;
    idx = Math.max(0, Math.min(points.length - 1, i));
    const p = points[idx];
    if (!marker) marker = L.circleMarker([p[2], p[1]], {radius: 7, color: "#d62728", fillOpacity: 0.9}).addTo(map);
    marker.setLatLng([p[2], p[1]]);
    slider.value = idx;
    document.getElementById("cursor-time").textContent = new Date(p[0]).toLocaleString("zh-CN") + " · " + (p[3] ?? "—") + " 节";
  }
  function load() {
    const q = "?start=" + encodeURIComponent(document.getElementById("start").value) + "&end=" + encodeURIComponent(document.getElementById("end").value);
    fetch(dataUrl + q).then(function (r) { return r.json(); }).then(function (d) {
      if (d.code) { document.getElementById("track-info").textContent = d.message; return; }
      points = d.points;
      if (line) map.removeLayer(line);
      eventsLayer.clearLayers();
      document.getElementById("track-info").textContent = "共 " + d.total + " 个定位点";
      if (!points.length) return;
      line = L.polyline(points.map(function (p) { return [p[2], p[1]]; }), {color: "#1f77b4"}).addTo(map);
      map.fitBounds(line.getBounds(), {padding: [20, 20]});
      d.events.forEach(function (e) { if (e.lat !== null) L.circleMarker([e.lat, e.lon], {radius: 4, color: "#ff7f0e"}).bindTooltip(e.kind + " " + e.detail).addTo(eventsLayer); });
      slider.max = points.length - 1;
      show(0);
    });
  }
  document.getElementById("track-form").addEventListener("submit", function (e) { e.preventDefault(); load(); });
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  document.getElementById("play").addEventListener("click", function () {
    if (timer) { clearInterval(timer); timer = null; this.innerHTML = '<i class="bi bi-play-fill"></i> 播放'; return; }
    this.innerHTML = '<i class="bi bi-pause-fill"></i> 暂停';
    const tick = 100;
    timer = setInterval(function () {
      if (idx >= points.length - 1) { clearInterval(timer); timer = null; return; }
      const speed = parseInt(document.getElementById("speed").value, 10);
      const target = new Date(points[idx][0]).getTime() + speed * tick;
      let j = idx + 1;
      while (j < points.length - 1 && new Date(points[j][0]).getTime() < target) j++;
      show(j);
    }, tick);
  });
  load();
})();
