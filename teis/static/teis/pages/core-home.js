// teis/templates/core/home.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
document.querySelectorAll(".home-chart").forEach(function (el) {
  var key = el.id.replace("chart-", "");
  var chart = echarts.init(el);
  chart.setOption(JSON.parse(document.getElementById(key).textContent));
  window.addEventListener("resize", function () { chart.resize(); });
});
