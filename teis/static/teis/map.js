/* TEIS base map (Leaflet). Every map page calls TEIS.map.create(elementOrId, options) and gets a Leaflet map
 * with the deployment's base layer:
 *   - an internal tile server when TEIS_MAP_TILE_URL is set (data-tile-url on the element), or
 *   - the packaged offline map: Shanghai's 16 districts drawn from /static/teis/shanghai_districts.geojson.
 * No request leaves the deployment. Positions are WGS-84; the packaged district outlines come from
 * ECharts map data and may be offset by a few hundred metres (GCJ-02), which is fine for orientation.
 *
 * TEIS.map.unitLayer(map, features) draws unit jurisdictions (GeoJSON features with properties.name and
 * properties.unit_id) each in its own colour and returns the layer.
 */
(function () {
  "use strict";
  const TEIS = (window.TEIS = window.TEIS || {});
  const SHANGHAI = [31.2, 121.47];
  const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                   "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"];
  const staticRoot = (document.querySelector("meta[name=teis-static]") || {}).content || "/static/";

  function colourFor(i) { return PALETTE[Math.abs(i) % PALETTE.length]; }

  function districtLayer(map) {
    const layer = L.geoJSON(null, {
      style: () => ({ color: "#6c7a89", weight: 1, fillColor: "#eef2f5", fillOpacity: 0.9 }),
      onEachFeature: (f, l) => l.bindTooltip(f.properties.name, { permanent: false, direction: "center", className: "teis-district-label" }),
    }).addTo(map);
    fetch(staticRoot + "teis/shanghai_districts.geojson")
      .then((r) => r.json())
      .then((data) => { layer.addData(data); layer.bringToBack(); })
      .catch(() => {});
    return layer;
  }

  function create(elementOrId, options) {
    const el = typeof elementOrId === "string" ? document.getElementById(elementOrId) : elementOrId;
    const opts = Object.assign({ center: SHANGHAI, zoom: 10, minZoom: 8, maxZoom: 18, preferCanvas: true }, options || {});
    const map = L.map(el, opts);
    const tileUrl = el.dataset.tileUrl || "";
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: opts.maxZoom, attribution: "内部地图服务" }).addTo(map);
    } else {
      el.style.background = "#cfe3f3"; // water
      map.districts = districtLayer(map);
    }
    L.control.scale({ imperial: false }).addTo(map);
    return map;
  }

  function unitLayer(map, features) {
    return L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: (f) => ({ color: colourFor(f.properties.unit_id || 0), weight: 2, fillOpacity: 0.12 }),
      onEachFeature: (f, l) => l.bindTooltip(f.properties.name),
    }).addTo(map);
  }

  TEIS.map = { create: create, unitLayer: unitLayer, colourFor: colourFor };
})();
