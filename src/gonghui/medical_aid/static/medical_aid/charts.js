/* Medical-aid figures: enrolment and payouts per union (bars), claims by state (ring). */
(function () {
  "use strict";
  function draw() {
    if (!window.echarts) return;
    var source = document.getElementById("ma-chart-data");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("[data-ma-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var option;
      if (el.dataset.maChart === "unions") {
        option = {
          color: ["#c8161d", "#f59e0b"],
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          legend: { top: 0 },
          grid: { left: 8, right: 8, top: 40, bottom: 4, containLabel: true },
          xAxis: { type: "category", data: data.unions, axisLabel: { fontSize: 11, interval: 0, rotate: data.unions.length > 4 ? 30 : 0 } },
          yAxis: [{ type: "value", minInterval: 1 }, { type: "value", splitLine: { show: false } }],
          series: [
            { name: data.labels.enrolled, type: "bar", data: data.enrolled, barMaxWidth: 18 },
            { name: data.labels.payouts, type: "bar", yAxisIndex: 1, data: data.payouts, barMaxWidth: 18 }
          ]
        };
      } else {
        option = {
          color: ["#f59e0b", "#2563eb", "#6b7280", "#0ea5e9", "#111827", "#10b981"],
          title: { text: data.labels.states, left: "center", top: 0, textStyle: { fontSize: 13, fontWeight: 500 } },
          tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
          legend: { bottom: 0, type: "scroll" },
          series: [{ type: "pie", radius: ["38%", "62%"], label: { show: false },
                     data: data.states.length ? data.states : [{ name: el.dataset.empty, value: 0 }] }]
        };
      }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
