// teis/templates/petitions/register.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
document.addEventListener("DOMContentLoaded", function () {
  const map = TEIS.map.create("place-map");
  let marker = null;
  map.on("click", function (e) {
    document.getElementById("id_lon").value = e.latlng.lng.toFixed(6);
    document.getElementById("id_lat").value = e.latlng.lat.toFixed(6);
    if (marker) marker.setLatLng(e.latlng); else marker = L.marker(e.latlng).addTo(map);
  });
});
