// teis/templates/petitions/stats.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const el = document.getElementById("stats-chart");
  if (!el) return;
  const d = JSON.parse(JSON.parse(el.textContent));
  const volume = echarts.init(document.getElementById("chart-volume"));
  volume.setOption({
    tooltip: {trigger: "axis"}, legend: {top: 0, data: ["信访总量", "办结数"]},
    grid: {left: 40, right: 20, bottom: 70}, xAxis: {type: "category", data: d.labels, axisLabel: {rotate: 30}},
    yAxis: {type: "value", minInterval: 1},
    series: [{name: "信访总量", type: "bar", data: d.total, itemStyle: {color: "#0d6efd"}},
             {name: "办结数", type: "bar", data: d.closed, itemStyle: {color: "#20c997"}}]
  });
  const rates = echarts.init(document.getElementById("chart-rates"));
  rates.setOption({
    tooltip: {trigger: "axis"}, legend: {top: 0, data: ["限时办结率", "回访满意率"]},
    grid: {left: 40, right: 20, bottom: 70}, xAxis: {type: "category", data: d.labels, axisLabel: {rotate: 30}},
    yAxis: {type: "value", max: 100},
    series: [{name: "限时办结率", type: "bar", data: d.in_time_rate, itemStyle: {color: "#fd7e14"}},
             {name: "回访满意率", type: "bar", data: d.satisfaction_rate, itemStyle: {color: "#6f42c1"}}]
  });
  window.addEventListener("resize", () => { volume.resize(); rates.resize(); });
})();
