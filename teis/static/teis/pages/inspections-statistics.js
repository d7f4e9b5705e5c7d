// teis/templates/inspections/statistics.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const data = JSON.parse(document.getElementById("stat-data").textContent);
  function bars(id, rows) {
    const chart = echarts.init(document.getElementById(id));
    chart.setOption({
      animation: false, tooltip: {trigger: "axis"}, legend: {top: 0}, grid: {left: 40, right: 10, bottom: 60, top: 30},
      xAxis: {type: "category", data: rows.map(r => r.label), axisLabel: {rotate: 30}},
      yAxis: {type: "value"},
      series: [
        {name: "任务数", type: "bar", data: rows.map(r => r.total)},
        {name: "已完成", type: "bar", data: rows.map(r => r.done)},
        {name: "问题(整改+立案)", type: "bar", data: rows.map(r => r.rectify + r.file_case)},
      ],
    });
    window.addEventListener("resize", () => chart.resize());
  }
  bars("chart-unit", data.by_unit);
  bars("chart-industry", data.by_industry);
  bars("chart-month", data.by_month);
  const pie = echarts.init(document.getElementById("chart-result"));
  const t = data.totals;
  pie.setOption({
    animation: false, tooltip: {trigger: "item"}, legend: {bottom: 0},
    series: [{type: "pie", radius: ["35%", "65%"], data: [
      {name: "未发现问题", value: t.no_problem}, {name: "责令整改", value: t.rectify},
      {name: "立案", value: t.file_case}, {name: "未完成", value: t.total - t.done},
    ]}],
  });
})();
