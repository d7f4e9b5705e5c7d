// teis/templates/dispatch/coverage.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const areas = JSON.parse(JSON.parse(document.getElementById("areas-data").textContent));
  const map = TEIS.map.create("cov-map");
  const layer = L.geoJSON({ type: "FeatureCollection", features: areas.map((a) => ({ type: "Feature", geometry: a.geometry, properties: a })) },
    { style: (f) => ({ color: f.properties.covered ? "#198754" : "#fd7e14", weight: 2, fillOpacity: 0.25 }),
      onEachFeature: (f, l) => l.bindTooltip(`${f.properties.name}：${f.properties.visits}/${f.properties.required}`) }).addTo(map);
  if (areas.length && layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
})();
