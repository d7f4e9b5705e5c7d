// teis/templates/finance/stock_stats.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const d = JSON.parse(JSON.parse(document.getElementById("stock-chart").textContent));
  const c = echarts.init(document.getElementById("chart-stock"));
  c.setOption({tooltip: {trigger: "axis"}, legend: {top: 0}, grid: {left: 50, right: 20, bottom: 90},
    xAxis: {type: "category", data: d.labels, axisLabel: {rotate: 30}}, yAxis: {type: "value", minInterval: 1},
    series: [{name: "领入/入库", type: "bar", data: d.issued}, {name: "已使用", type: "bar", data: d.used},
             {name: "作废及核销", type: "bar", data: d.cancelled}, {name: "结存", type: "bar", data: d.outstanding}]});
})();
