// teis/templates/maritime/area_map.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const map = TEIS.map.create("area-map");
  map.setView([31.24, 121.49], 11);
  const colors = {key_area: "#0d6efd", water_source_zone: "#198754", berth: "#6c757d", anchorage: "#6f42c1"};
  JSON.parse(document.getElementById("areas-data").textContent).forEach(function (a) {
    if (!a.visible) return;
    L.geoJSON(a.geometry, {style: {color: colors[a.kind], weight: 2, fillOpacity: 0.1}}).bindTooltip(a.name).addTo(map);
  });
  const form = document.getElementById("area-form");
  if (!form) return;
  let drawing = false, pts = [], shape = null;
  function redraw() {
    if (shape) map.removeLayer(shape);
    shape = pts.length ? L.polygon(pts.map(function (p) { return [p[1], p[0]]; }), {color: "#dc3545"}).addTo(map) : null;
    document.getElementById("geometry").value = pts.map(function (p) { return p[0].toFixed(6) + "," + p[1].toFixed(6); }).join(";");
  }
  map.on("click", function (e) { if (!drawing) return; pts.push([e.latlng.lng, e.latlng.lat]); redraw(); });
  document.getElementById("draw-start").onclick = function () { drawing = true; pts = []; redraw(); map.getContainer().style.cursor = "crosshair"; };
  document.getElementById("draw-finish").onclick = function () { drawing = false; map.getContainer().style.cursor = ""; };
  document.getElementById("draw-clear").onclick = function () { pts = []; redraw(); };
})();
