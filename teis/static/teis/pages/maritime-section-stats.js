// teis/templates/maritime/section_stats.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const flow = JSON.parse(document.getElementById("flow-data").textContent);
  function bar(id, title, rows, stacked) {
    echarts.init(document.getElementById(id)).setOption({
      title: {text: title, textStyle: {fontSize: 14}}, tooltip: {trigger: "axis"}, legend: {top: 0, right: 0},
      xAxis: {type: "category", data: rows.map(function (r) { return r.key; })}, yAxis: {type: "value", minInterval: 1},
      series: [{name: flow.forward_label, type: "bar", stack: stacked ? "a" : undefined, data: rows.map(function (r) { return r.forward; })},
               {name: flow.reverse_label, type: "bar", stack: stacked ? "a" : undefined, data: rows.map(function (r) { return r.reverse; })}]});
  }
  bar("chart-hour", "按小时", flow.by_hour, true);
  bar("chart-day", "按日", flow.by_day, true);
  echarts.init(document.getElementById("chart-type")).setOption({title: {text: "按船舶类别", textStyle: {fontSize: 14}}, tooltip: {},
    series: [{type: "pie", radius: "60%", data: flow.by_category.map(function (r) { return {name: r.key, value: r.total}; })}]});
})();
