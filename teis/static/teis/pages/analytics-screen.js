// teis/templates/analytics/screen.html: the page's script (no inline script: the Content-Security-Policy allows only files of TEIS).
(function () {
  const url = document.currentScript.dataset.url;
  const axis = {axisLine: {lineStyle: {color: "#3b5b8f"}}, axisLabel: {color: "#9bb4de"}, splitLine: {lineStyle: {color: "#14284d"}}};
  const trend = echarts.init(document.getElementById("scr-trend"));
  const lines = echarts.init(document.getElementById("scr-lines"));
  const units = echarts.init(document.getElementById("scr-units"));
  const sources = echarts.init(document.getElementById("scr-sources"));
  function tiles(id, items) {
    const box = document.getElementById(id);
    box.replaceChildren(...items.map((f) => {
      const tile = document.createElement("div"); tile.className = "scr-tile";
      const l = document.createElement("div"); l.className = "l"; l.textContent = f.label;
      const v = document.createElement("div"); v.className = "v";
      const text = f.value === null || f.value === undefined ? "—" : Number(f.value).toLocaleString("zh-CN");
      if (f.url) { const a = document.createElement("a"); a.href = f.url; a.textContent = text; v.append(a); } else { v.textContent = text; }
      const u = document.createElement("span"); u.className = "u"; u.textContent = f.unit || ""; v.append(u);
      tile.append(l, v); return tile;
    }));
  }
  function draw(d) {
    document.getElementById("scr-unit").textContent = d.unit;
    document.getElementById("scr-at").textContent = d.at;
    tiles("scr-today", d.today);
    tiles("scr-year", d.year);
    trend.setOption({
      tooltip: {trigger: "axis"}, legend: {textStyle: {color: "#d8e6ff"}, top: 0},
      grid: {left: 40, right: 15, top: 30, bottom: 25},
      xAxis: Object.assign({type: "category", data: d.trend.days}, axis), yAxis: Object.assign({type: "value", minInterval: 1}, axis),
      series: [{name: "立案", type: "line", smooth: true, data: d.trend.filed, itemStyle: {color: "#4fc3ff"}, areaStyle: {opacity: 0.2}},
               {name: "结案", type: "line", smooth: true, data: d.trend.closed, itemStyle: {color: "#5ef0c2"}, areaStyle: {opacity: 0.15}}]
    });
    const narrow = window.innerWidth < 700;
    const legend = narrow ? {type: "scroll", bottom: 0, textStyle: {color: "#d8e6ff"}}
                          : {type: "scroll", orient: "vertical", right: 0, top: "middle", textStyle: {color: "#d8e6ff"}};
    lines.setOption({tooltip: {trigger: "item"}, legend: legend,
      series: [{type: "pie", radius: ["35%", "70%"], center: narrow ? ["50%", "45%"] : ["38%", "50%"],
                label: {show: !narrow, color: "#d8e6ff"}, data: d.lines}]});
    sources.setOption({tooltip: {trigger: "item"}, legend: Object.assign({}, legend),
      series: [{type: "pie", radius: "65%", center: narrow ? ["50%", "42%"] : ["38%", "50%"],
                label: {show: !narrow, color: "#d8e6ff"}, data: d.sources}]});
    units.setOption({tooltip: {trigger: "axis"}, grid: {left: 110, right: 20, top: 10, bottom: 20},
      xAxis: Object.assign({type: "value", minInterval: 1}, axis), yAxis: Object.assign({type: "category", inverse: true, data: d.units.names}, axis),
      series: [{type: "bar", data: d.units.filed, itemStyle: {color: "#ffd45e"}, barMaxWidth: 18}]});
  }
  draw(JSON.parse(JSON.parse(document.getElementById("screen-data").textContent)));
  setInterval(function () {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then((r) => r.ok ? r.json() : null).then((d) => { if (d) draw(d); }).catch(() => {});
  }, 60000);
  window.addEventListener("resize", () => { trend.resize(); lines.resize(); units.resize(); sources.resize(); });
})();
