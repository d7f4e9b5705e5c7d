// teis/templates/inspections/object_import_job.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const box = document.getElementById("import-job");
  if (box.dataset.status === "done" || box.dataset.status === "failed") return;
  const timer = setInterval(async () => {
    const r = await fetch(box.dataset.url, {headers: {"Accept": "application/json"}});
    if (!r.ok) return;
    const j = await r.json();
    const bar = document.getElementById("import-bar");
    bar.style.width = j.percent + "%"; bar.textContent = j.percent + "%";
    if (j.status === "done" || j.status === "failed") { clearInterval(timer); window.location.reload(); }
  }, 1000);
})();
