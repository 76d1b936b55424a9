/* Charts of the satisfaction report (rights/casework/satisfaction.html): rates per union, monthly trend. */
(function () {
  "use strict";
  function draw() {
    if (!window.echarts) return;
    var source = document.getElementById("casework-chart-data");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var labels = JSON.parse(document.getElementById("casework-charts").dataset.labels);
    var palette = ["#c8161d", "#2563eb", "#10b981", "#f59e0b"];
    var pct = { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
    var title = function (text) { return { text: text, left: "center", top: 0, textStyle: { fontSize: 13, fontWeight: 500 } }; };
    var unionsEl = document.getElementById("chart-unions");
    if (unionsEl && !unionsEl.dataset.drawn) {
      var u = data.unions;
      var chart = window.echarts.init(unionsEl, null, { renderer: "svg" });
      chart.setOption({
        color: palette,
        title: title(labels.unions),
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { bottom: 0 },
        grid: { left: 8, right: 16, top: 28, bottom: 32, containLabel: true },
        xAxis: { type: "category", data: u.names, axisLabel: { interval: 0, rotate: u.names.length > 4 ? 30 : 0, fontSize: 11 } },
        yAxis: pct,
        series: [
          { name: labels.satisfaction, type: "bar", data: u.satisfaction, barMaxWidth: 18 },
          { name: labels.follow_up, type: "bar", data: u.follow_up, barMaxWidth: 18 },
          { name: labels.on_time, type: "bar", data: u.on_time, barMaxWidth: 18 }
        ]
      });
      unionsEl.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    }
    var trendEl = document.getElementById("chart-trend");
    if (trendEl && !trendEl.dataset.drawn) {
      var t = data.trend;
      var trend = window.echarts.init(trendEl, null, { renderer: "svg" });
      trend.setOption({
        color: palette,
        title: title(labels.trend),
        tooltip: { trigger: "axis" },
        legend: { bottom: 0 },
        grid: { left: 8, right: 8, top: 28, bottom: 32, containLabel: true },
        xAxis: { type: "category", data: t.months },
        yAxis: [pct, { type: "value", minInterval: 1, splitLine: { show: false } }],
        series: [
          { name: labels.satisfaction, type: "line", data: t.satisfaction, connectNulls: true },
          { name: labels.on_time, type: "line", data: t.on_time, connectNulls: true },
          { name: labels.total, type: "bar", yAxisIndex: 1, data: t.total, barMaxWidth: 14, itemStyle: { opacity: 0.35 } }
        ]
      });
      trendEl.dataset.drawn = "1";
      window.addEventListener("resize", function () { trend.resize(); });
    }
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
