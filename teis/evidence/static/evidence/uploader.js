/* Resumable chunked evidence uploader: fetch + File.slice, one progress bar per file, resume after reload.
   A session token is remembered in localStorage per (name, size, lastModified); choosing the same file again
   asks the server for its offset and continues from there. */
(function () {
  "use strict";
  const cfg = window.TEIS_UPLOAD;
  const form = document.getElementById("upload-form");
  const queue = document.getElementById("queue");
  if (!form) return;
  const csrf = teisCsrfToken();
  const headers = (extra) => Object.assign({"X-CSRFToken": csrf, "X-Requested-With": "fetch"}, extra || {});
  const keyOf = (f) => "teis-upload:" + [f.name, f.size, f.lastModified].join(":");
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const fmt = (n) => n >= 1 << 30 ? (n / (1 << 30)).toFixed(2) + " GB" : (n / (1 << 20)).toFixed(1) + " MB";

  function row(file) {
    const div = document.createElement("div");
    div.className = "mb-3 upload-row";
    div.innerHTML = `<div class="d-flex"><span class="text-truncate me-2"></span><span class="ms-auto text-nowrap status">等待</span></div>
      <div class="progress" style="height: 8px"><div class="progress-bar" role="progressbar" style="width:0%"></div></div>`;
    div.querySelector("span").textContent = file.name + "（" + fmt(file.size) + "）";
    queue.appendChild(div);
    return {
      bar: div.querySelector(".progress-bar"),
      status: div.querySelector(".status"),
      set(done, total, text) {
        const pct = total ? Math.floor((done * 100) / total) : 0;
        this.bar.style.width = pct + "%";
        this.bar.setAttribute("aria-valuenow", pct);
        this.status.textContent = text || pct + "%";
      },
      fail(msg) { this.bar.classList.add("bg-danger"); this.status.textContent = msg; this.status.classList.add("text-danger"); },
      done(html) { this.bar.classList.add("bg-success"); this.bar.style.width = "100%"; this.status.innerHTML = html; },
    };
  }

  async function json(resp) {
    try { return await resp.json(); } catch (e) { return {message: "服务器返回异常（HTTP " + resp.status + "）"}; }
  }

  function metadata() {
    const v = (id) => document.getElementById(id).value.trim();
    const m = {source: v("source")};
    for (const k of ["device_serial", "place", "description", "link_description"]) if (v(k)) m[k] = v(k);
    for (const k of ["captured_at", "captured_end"]) if (v(k)) m[k] = new Date(v(k)).toISOString();
    for (const k of ["lon", "lat"]) if (v(k)) m[k] = parseFloat(v(k));
    if (v("case")) m.case = v("case").trim();  // 统一案件编码, 文号 or id: the server resolves it
    return m;
  }

  async function openSession(file, ui) {
    const saved = localStorage.getItem(keyOf(file));
    if (saved) {
      const r = await fetch(cfg.api + encodeURIComponent(saved) + "/", {headers: headers(), credentials: "same-origin"});
      if (r.ok) {
        const s = await r.json();
        if (s.status === "open") { ui.set(s.offset, file.size, "续传 " + fmt(s.offset)); return s; }
      }
      localStorage.removeItem(keyOf(file));
    }
    const body = Object.assign({filename: file.name, size: file.size, content_type: file.type}, metadata());
    const r = await fetch(cfg.api, {method: "POST", headers: headers({"Content-Type": "application/json"}), credentials: "same-origin", body: JSON.stringify(body)});
    const s = await json(r);
    if (!r.ok) throw new Error(s.message + (s.fields ? " " + Object.values(s.fields).flat().join("；") : ""));
    localStorage.setItem(keyOf(file), s.token);
    return s;
  }

  async function upload(file) {
    const ui = row(file);
    try {
      const s = await openSession(file, ui);
      let offset = s.offset;
      const chunk = Math.min(cfg.chunk, s.chunk_max || cfg.chunk);
      let failures = 0;
      while (offset < file.size) {
        const end = Math.min(offset + chunk, file.size);
        let r;
        try {
          r = await fetch(cfg.api + encodeURIComponent(s.token) + "/chunk/", {
            method: "PUT", credentials: "same-origin",
            headers: headers({"Content-Type": "application/octet-stream", "Upload-Offset": String(offset)}),
            body: file.slice(offset, end),
          });
        } catch (e) {
          if (++failures > 8) throw new Error("网络中断，请稍后重新选择该文件续传");
          ui.set(offset, file.size, "网络中断，重试中…");
          await sleep(Math.min(1000 * 2 ** failures, 30000));
          const st = await fetch(cfg.api + encodeURIComponent(s.token) + "/", {headers: headers(), credentials: "same-origin"}).catch(() => null);
          if (st && st.ok) offset = (await st.json()).offset;
          continue;
        }
        const data = await json(r);
        if (!r.ok) {
          if (data.code === "offset_mismatch" && data.fields && data.fields.expected_offset) { offset = parseInt(data.fields.expected_offset[0], 10); continue; }
          throw new Error(data.message || "上传失败");
        }
        failures = 0;
        offset = data.offset;
        ui.set(offset, file.size);
      }
      ui.set(file.size, file.size, "校验并入库…");
      const r = await fetch(cfg.api + encodeURIComponent(s.token) + "/complete/", {method: "POST", headers: headers(), credentials: "same-origin"});
      const item = await json(r);
      localStorage.removeItem(keyOf(file));
      if (!r.ok) throw new Error(item.message || "入库失败");
      ui.done(`<a href="${cfg.itemUrl.replace("/0/", "/" + item.id + "/")}">已入库</a> · SM3 ${item.sm3.slice(0, 12)}…`);
    } catch (e) {
      ui.fail(e.message);
    }
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const files = Array.from(document.getElementById("files").files);
    if (!files.length) return;
    queue.textContent = "";
    queue.classList.remove("text-muted");
    for (const f of files) await upload(f);
  });
})();
