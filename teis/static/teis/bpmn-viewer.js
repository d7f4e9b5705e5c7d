// Read-only process diagrams (workflow/_diagram.html): every element with data-bpmn-diagram="<json url>" gets
// a bpmn-js NavigatedViewer; the JSON gives the XML and the node ids to mark as current ("teis-current") and
// done ("teis-done"). Idempotent, so the include may appear more than once and inside HTMX fragments.
(function () {
  "use strict";
  if (window.TEISBpmnViewer) {
    window.TEISBpmnViewer.scan();
    return;
  }

  function init(box) {
    if (box.dataset.bpmnInit) return;
    box.dataset.bpmnInit = "1";
    const container = box.querySelector(".teis-bpmn-canvas");
    const viewer = new window.BpmnJS({ container: container });
    let fitted = false;
    function fit() {
      if (fitted || !container.offsetWidth || !container.offsetHeight) return;
      const canvas = viewer.get("canvas");
      canvas.resized();
      canvas.zoom("fit-viewport", "auto");
      fitted = true;
    }
    fetch(box.dataset.bpmnDiagram, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status))))
      .then((data) =>
        viewer.importXML(roleLaneNames(data.xml, box.dataset.roleNames)).then(() => {
          const canvas = viewer.get("canvas");
          const registry = viewer.get("elementRegistry");
          (data.done || []).forEach((id) => { if (registry.get(id)) canvas.addMarker(id, "teis-done"); });
          (data.current || []).forEach((id) => { if (registry.get(id)) canvas.addMarker(id, "teis-current"); });
          fit();
          // A diagram inside a hidden tab has no size yet: fit it when it is shown.
          if (!fitted && window.ResizeObserver) {
            const ro = new ResizeObserver(() => { fit(); if (fitted) ro.disconnect(); });
            ro.observe(container);
          }
          box.dataset.loaded = "1";
        })
      )
      .catch((err) => {
        container.innerHTML = "";
        const p = document.createElement("p");
        p.className = "text-muted p-3 mb-0";
        p.textContent = "流程图加载失败（" + (err.message || err) + "）";
        container.append(p);
      });
  }

  // Lanes are named by role code ("field_officer"), which the engine routes by; show the role's name.
  function roleLaneNames(xml, json) {
    let names;
    try { names = JSON.parse(json || "{}"); } catch (e) { return xml; }
    const doc = new DOMParser().parseFromString(xml, "application/xml");
    if (doc.getElementsByTagName("parsererror").length) return xml;
    let changed = false;
    Array.from(doc.getElementsByTagNameNS("*", "lane")).forEach((lane) => {
      const code = lane.getAttribute("name");
      if (code && names[code]) { lane.setAttribute("name", names[code]); changed = true; }
    });
    return changed ? new XMLSerializer().serializeToString(doc) : xml;
  }

  function scan(root) {
    (root && root.querySelectorAll ? root : document).querySelectorAll("[data-bpmn-diagram]").forEach(init);
  }

  window.TEISBpmnViewer = { scan: scan };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => scan());
  else scan();
  document.addEventListener("htmx:afterSettle", (e) => scan(e.target));
})();
