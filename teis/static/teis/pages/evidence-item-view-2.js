// teis/templates/evidence/item_view.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const wrap = document.getElementById("image-wrap"), img = document.getElementById("image");
  if (!wrap || !img) return;
  let scale = 1, x = 0, y = 0, drag = null;
  function apply() { img.style.transform = `translate(${x}px, ${y}px) scale(${scale})`; }
  function fit() {
    scale = Math.min(wrap.clientWidth / img.naturalWidth, wrap.clientHeight / img.naturalHeight, 1);
    x = (wrap.clientWidth - img.naturalWidth * scale) / 2; y = (wrap.clientHeight - img.naturalHeight * scale) / 2; apply();
  }
  function zoom(f, cx, cy) {
    cx = cx ?? wrap.clientWidth / 2; cy = cy ?? wrap.clientHeight / 2;
    const ns = Math.min(Math.max(scale * f, 0.05), 20);
    x = cx - (cx - x) * ns / scale; y = cy - (cy - y) * ns / scale; scale = ns; apply();
  }
  img.complete ? fit() : img.addEventListener("load", fit);
  document.querySelectorAll("[data-zoom]").forEach(b => b.addEventListener("click", () => b.dataset.zoom === "reset" ? fit() : zoom(parseFloat(b.dataset.zoom))));
  wrap.addEventListener("wheel", e => { e.preventDefault(); const r = wrap.getBoundingClientRect(); zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top); }, {passive: false});
  wrap.addEventListener("mousedown", e => { drag = [e.clientX - x, e.clientY - y]; wrap.style.cursor = "grabbing"; });
  window.addEventListener("mouseup", () => { drag = null; wrap.style.cursor = "grab"; });
  window.addEventListener("mousemove", e => { if (drag) { x = e.clientX - drag[0]; y = e.clientY - drag[1]; apply(); } });
})();
