// teis/templates/dispatch/stats.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const chart = JSON.parse(JSON.parse(document.getElementById("chart-data").textContent));
  const curves = JSON.parse(JSON.parse(document.getElementById("curves-data").textContent));
  echarts.init(document.getElementById("chart-bar")).setOption({ tooltip: {}, grid: { left: 50, right: 10, bottom: 70 },
    xAxis: { type: "category", data: chart.labels, axisLabel: { rotate: 40 } }, yAxis: { type: "value", name: chart.name },
    series: [{ type: "bar", data: chart.values, itemStyle: { color: "#3182bd" } }] });
  echarts.init(document.getElementById("chart-curves")).setOption({ tooltip: { trigger: "axis" }, legend: {}, grid: { left: 50, right: 10 },
    xAxis: { type: "category", data: curves.months }, yAxis: { type: "value", name: "km" },
    series: curves.series.map((s) => ({ name: s.name, type: "line", smooth: true, data: s.data })) });
})();
