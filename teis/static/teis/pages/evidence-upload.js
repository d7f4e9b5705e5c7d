// teis/templates/evidence/upload.html: the upload page's settings, read from its script tag (no inline script).
(function () {
  const d = document.currentScript.dataset;
  window.TEIS_UPLOAD = {api: d.api, chunk: parseInt(d.chunk, 10), itemUrl: d.itemUrl};
})();
