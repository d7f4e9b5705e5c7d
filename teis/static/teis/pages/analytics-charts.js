// teis/templates/analytics/_charts.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const el = document.getElementById("board-options");
  if (!el) return;
  const options = JSON.parse(JSON.parse(el.textContent));
  const charts = [];
  const narrow = window.innerWidth < 600;
  function fitPhone(option) {
    // a phone: fewer, shorter, slanted category labels (unit names are long)
    const axes = [].concat(option.xAxis || []);
    axes.forEach((axis) => {
      if (axis.type !== "category") return;
      axis.axisLabel = Object.assign({}, axis.axisLabel, {interval: "auto", rotate: 45, fontSize: 10,
        formatter: (v) => (v.length > 6 ? v.slice(0, 6) + "…" : v)});
    });
    if (option.series && option.series.some((s) => s.type === "pie")) {
      option.series.forEach((s) => { if (s.type === "pie") s.label = {show: false}; });
    }
    return option;
  }
  for (const [id, raw] of Object.entries(options)) {
    const option = narrow ? fitPhone(raw) : raw;
    const node = document.getElementById(id);
    if (!node) continue;
    const chart = echarts.init(node);
    chart.setOption(option);
    charts.push(chart);
  }
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
