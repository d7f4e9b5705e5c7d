// teis/templates/analytics/case_report.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const el = document.getElementById("report-chart");
  if (!el) return;
  const d = JSON.parse(JSON.parse(el.textContent));
  const main = echarts.init(document.getElementById("chart-main"));
  main.setOption({
    tooltip: {trigger: "axis"}, legend: {top: 0, data: ["立案数", "结案数", "结案率"]},
    grid: {left: 45, right: 45, bottom: 80}, xAxis: {type: "category", data: d.labels, axisLabel: {rotate: 30, interval: 0}},
    yAxis: [{type: "value", minInterval: 1}, {type: "value", max: 100, axisLabel: {formatter: "{value}%"}}],
    series: [{name: "立案数", type: "bar", data: d.filed, itemStyle: {color: "#0d6efd"}},
             {name: "结案数", type: "bar", data: d.closed, itemStyle: {color: "#20c997"}},
             {name: "结案率", type: "line", yAxisIndex: 1, data: d.rate, itemStyle: {color: "#fd7e14"}}]
  });
  const trend = echarts.init(document.getElementById("chart-trend"));
  trend.setOption({
    tooltip: {trigger: "axis"}, legend: {top: 0, data: ["立案", "结案"]}, grid: {left: 45, right: 20, bottom: 40},
    xAxis: {type: "category", data: d.trend.months}, yAxis: {type: "value", minInterval: 1},
    series: [{name: "立案", type: "line", smooth: true, data: d.trend.filed, areaStyle: {opacity: 0.15}},
             {name: "结案", type: "line", smooth: true, data: d.trend.closed}]
  });
  const dur = echarts.init(document.getElementById("chart-duration"));
  dur.setOption({tooltip: {trigger: "item"}, series: [{type: "pie", radius: ["35%", "65%"], data: d.duration}]});
  window.addEventListener("resize", () => { main.resize(); trend.resize(); dur.resize(); });
})();
