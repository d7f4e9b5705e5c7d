// teis/templates/maritime/checkpoint_stats.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const d = JSON.parse(document.getElementById("cp-data").textContent);
  const days = Object.keys(d.by_day);
  echarts.init(document.getElementById("chart-day")).setOption({title: {text: "每日流量", textStyle: {fontSize: 14}}, tooltip: {trigger: "axis"},
    xAxis: {type: "category", data: days}, yAxis: {type: "value", minInterval: 1}, series: [{type: "bar", data: days.map(function (k) { return d.by_day[k]; })}]});
  const week = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];
  const max = Math.max(0.01, ...d.forecast.map(function (c) { return c.risk; }));
  echarts.init(document.getElementById("chart-risk")).setOption({title: {text: "风险预测（按星期×小时）", textStyle: {fontSize: 14}},
    tooltip: {formatter: function (p) { const c = d.forecast[p.dataIndex]; return c.weekday + " " + c.hour + "时：预计流量 " + c.traffic + "，风险 " + c.level; }},
    xAxis: {type: "category", data: Array.from({length: 24}, function (_, i) { return i + "时"; })}, yAxis: {type: "category", data: week},
    visualMap: {min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0},
    series: [{type: "heatmap", data: d.forecast.map(function (c) { return [c.hour, c.w, c.risk]; })}]});
})();
