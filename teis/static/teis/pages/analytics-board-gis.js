// teis/templates/analytics/board_gis.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const dataUrl = document.currentScript.dataset.url;
  const data = JSON.parse(document.getElementById("gis-data").textContent);
  const map = TEIS.map.create("gis-map", { preferCanvas: false });  // SVG: the canvas renderer left phones blank
  const colour = (i) => TEIS.map.colourFor(i);
  document.querySelectorAll(".gis-swatch").forEach((el) => { el.style.background = colour(+el.dataset.colourIndex); });
  const areas = L.geoJSON({ type: "FeatureCollection", features: data.features }, {
    style: (f) => ({ color: colour(f.properties.index), weight: 2, fillColor: colour(f.properties.index), fillOpacity: 0.28 }),
    onEachFeature: (f, l) => {
      const box = document.createElement("div");
      const title = document.createElement("strong"); title.textContent = f.properties.name;
      const text = document.createElement("div"); text.className = "small"; text.textContent = f.properties.intro;
      box.append(title, text); l.bindPopup(box); l.bindTooltip(f.properties.name, { sticky: true });
    },
  }).addTo(map);
  const STATE = { moving: "#198754", stopped: "#0d6efd", offline: "#6c757d", alarm: "#dc3545" };
  L.layerGroup(data.static.map((p) => L.marker([p.lat, p.lon], { icon: L.divIcon({ className: "", html: '<i class="bi bi-square-fill" style="color:#ffc107;font-size:12px"></i>', iconSize: [12, 12] }) })
    .bindTooltip(p.name + "（" + p.kind_label + "）"))).addTo(map);
  const moving = L.layerGroup().addTo(map);
  function draw(vehicles) {
    moving.clearLayers();
    vehicles.forEach((v) => {
      L.circleMarker([v.lat, v.lon], { radius: 6, weight: 1, color: "#fff", fillColor: STATE[v.state] || "#6c757d", fillOpacity: 0.95 })
        .bindTooltip(v.plate + " · " + v.unit + (v.speed != null ? " · " + v.speed + " km/h" : "")).addTo(moving);
    });
    document.getElementById("gis-moving").textContent = vehicles.length;
  }
  draw(data.vehicles);
  if (data.features.length) { try { map.fitBounds(areas.getBounds(), { padding: [10, 10] }); } catch (e) {} }
  setInterval(() => {
    fetch(dataUrl, { credentials: "same-origin" }).then((r) => r.ok ? r.json() : null)
      .then((d) => { if (d) draw(d.vehicles); }).catch(() => {});
  }, 30000);
})();
