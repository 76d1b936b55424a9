/* Chart of the assistance figures page (assistance/figures.html): filed files per union by level. */
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("chart-levels");
    var source = document.getElementById("assistance-chart-data");
    if (!window.echarts || !el || !source || el.dataset.drawn) return;
    var data = JSON.parse(source.textContent);
    el.dataset.drawn = "1";
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      color: ["#c8161d", "#f59e0b", "#2563eb"],
      title: { text: data.unions.length ? el.dataset.title : el.dataset.empty, left: "center", top: 0, textStyle: { fontSize: 13, fontWeight: 500 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { bottom: 0 },
      grid: { left: 8, right: 16, top: 28, bottom: 32, containLabel: true },
      xAxis: { type: "category", data: data.unions, axisLabel: { interval: 0, rotate: data.unions.length > 4 ? 30 : 0, fontSize: 11 } },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map(function (s) { return { name: s.name, type: "bar", stack: "files", data: s.data, barMaxWidth: 28 }; })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
  window.addEventListener("load", draw);
})();
