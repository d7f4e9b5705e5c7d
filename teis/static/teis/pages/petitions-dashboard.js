// teis/templates/petitions/dashboard.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const el = document.getElementById("dashboard-chart");
  if (!el) return;
  const d = JSON.parse(JSON.parse(el.textContent));
  const charts = [];
  function chart(id, option) { const c = echarts.init(document.getElementById(id)); c.setOption(option); charts.push(c); }
  const axis = {type: "category", data: d.months};
  chart("chart-monthly", {
    tooltip: {trigger: "axis"}, legend: {top: 0, data: [d.year + "年", (d.year - 1) + "年"]}, grid: {left: 40, right: 20, top: 40, bottom: 30},
    xAxis: axis, yAxis: {type: "value", minInterval: 1},
    series: [{name: d.year + "年", type: "bar", data: d.current_total, itemStyle: {color: "#0d6efd"}},
             {name: (d.year - 1) + "年", type: "bar", data: d.previous_total, itemStyle: {color: "#adb5bd"}}]
  });
  chart("chart-rate", {
    tooltip: {trigger: "axis"}, legend: {top: 0, data: [d.year + "年", (d.year - 1) + "年"]}, grid: {left: 40, right: 20, top: 40, bottom: 30},
    xAxis: axis, yAxis: {type: "value", max: 100},
    series: [{name: d.year + "年", type: "bar", data: d.current_rate, itemStyle: {color: "#198754"}},
             {name: (d.year - 1) + "年", type: "bar", data: d.previous_rate, itemStyle: {color: "#ffc107"}}]
  });
  chart("chart-flow", {
    tooltip: {trigger: "axis"}, legend: {top: 0, data: ["信访总量", "受理数", "处理数"]}, grid: {left: 40, right: 20, top: 40, bottom: 30},
    xAxis: axis, yAxis: {type: "value", minInterval: 1},
    series: [{name: "信访总量", type: "line", data: d.current_total, areaStyle: {opacity: 0.15}, itemStyle: {color: "#0d6efd"}},
             {name: "受理数", type: "line", data: d.current_accepted, itemStyle: {color: "#6f42c1"}},
             {name: "处理数", type: "line", data: d.current_handled, itemStyle: {color: "#fd7e14"}}]
  });
  chart("chart-category", {
    tooltip: {trigger: "item"}, legend: {type: "scroll", bottom: 0},
    series: [{type: "pie", radius: ["35%", "65%"], data: d.categories}]
  });
  window.addEventListener("resize", () => charts.forEach(c => c.resize()));
  document.body.dataset.chartsReady = String(charts.length);
})();
