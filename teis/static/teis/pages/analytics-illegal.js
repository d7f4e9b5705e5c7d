// teis/templates/analytics/illegal.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const el = document.getElementById("illegal-chart");
  if (!el) return;
  const d = JSON.parse(JSON.parse(el.textContent));
  const a = echarts.init(document.getElementById("chart-units"));
  a.setOption({tooltip: {trigger: "axis"}, grid: {left: 40, right: 10, bottom: 70}, xAxis: {type: "category", data: d.units, axisLabel: {rotate: 30}}, yAxis: {type: "value", minInterval: 1}, series: [{type: "bar", data: d.unit_n, itemStyle: {color: "#dc3545"}}]});
  const b = echarts.init(document.getElementById("chart-months"));
  b.setOption({tooltip: {trigger: "axis"}, grid: {left: 40, right: 10, bottom: 30}, xAxis: {type: "category", data: d.months}, yAxis: {type: "value", minInterval: 1}, series: [{type: "line", smooth: true, data: d.month_n}]});
  const c = echarts.init(document.getElementById("chart-kinds"));
  c.setOption({tooltip: {trigger: "item"}, series: [{type: "pie", radius: "65%", data: d.kinds}]});
  window.addEventListener("resize", () => { a.resize(); b.resize(); c.resize(); });
})();
