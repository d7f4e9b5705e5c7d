/* Searchable pickers: every select[data-picker] becomes a type-to-filter box (Tom Select, vendored under
   vendor/tom-select/; loaded only on pages that have a picker). A unit option's path (第二支队 / 第一大队 /
   第一中队) and a person's unit come in the option's data-path and are shown and searched with its name. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? script.src.replace(/teis\/pickers\.js(\?.*)?$/, "") : "/static/";
  var loading = null;

  function load() {
    if (window.TomSelect) return Promise.resolve();
    if (loading) return loading;
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = base + "vendor/tom-select/tom-select.bootstrap5.min.css";
    document.head.appendChild(css);
    loading = new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = base + "vendor/tom-select/tom-select.complete.min.js";
      s.onload = resolve;
      s.onerror = reject;
      document.head.appendChild(s);
    });
    return loading;
  }

  function esc(text) {
    var d = document.createElement("div");
    d.textContent = text == null ? "" : String(text);
    return d.innerHTML;
  }

  function parentPath(data) {
    // "第二支队 / 第一大队 / 第一中队" → "第二支队 / 第一大队" (the name itself is the option text)
    if (!data.path) return "";
    var parts = data.path.split(" / ");
    if (parts.length > 1 && parts[parts.length - 1] === data.text) parts.pop();
    return parts.join(" / ");
  }

  function option(data) {
    var where = parentPath(data);
    return "<div>" + esc(data.text) + (where ? ' <span class="text-muted small">' + esc(where) + "</span>" : "") + "</div>";
  }

  function setUp(el) {
    if (el.tomselect) return;
    var multiple = el.multiple;
    // the empty choice ("请选择" / "全部") becomes the placeholder; a clear button returns to it
    var empty = el.querySelector('option[value=""]');
    var plugins = multiple ? ["remove_button"] : [];
    if (!multiple && !el.required && empty) plugins.push("clear_button");
    new TomSelect(el, {
      plugins: plugins,
      maxOptions: null,
      allowEmptyOption: false,
      searchField: ["text", "path"],
      placeholder: el.getAttribute("placeholder") || (empty && empty.textContent.trim()) || "输入以查找…",
      render: {
        option: option,
        item: function (data) {
          var where = parentPath(data);
          return "<div>" + esc(data.text) + (where && !multiple ? ' <span class="text-muted small ms-1">' + esc(where) + "</span>" : "") + "</div>";
        },
        no_results: function () { return '<div class="no-results">没有匹配的选项</div>'; },
      },
    });
  }

  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var found = Array.prototype.slice.call(scope.querySelectorAll("select[data-picker]"));
    if (scope.matches && scope.matches("select[data-picker]")) found.push(scope);
    if (!found.length) return;
    load().then(function () { found.forEach(setUp); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  document.addEventListener("htmx:load", function (e) { init(e.target); });
})();
