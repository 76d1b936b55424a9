/* Campaign pages: the overview's pie of grants by type, the dashboard's budget bars and the
   proposal form's source switch. Data comes from json_script blocks, labels from data- attributes. */
(function () {
  "use strict";

  function drawTypePie() {
    var el = document.getElementById("type-pie");
    if (!el || !window.echarts) return;
    var data = JSON.parse(document.getElementById("type-pie-data").textContent);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      color: ["#c8161d", "#f59e0b", "#2563eb", "#10b981", "#8b5cf6", "#6b7280"],
      title: { text: el.dataset.title, left: "center", top: 0, textStyle: { fontSize: 13, fontWeight: 500 } },
      tooltip: { trigger: "item", formatter: "{b}：{c} 元（{d}%）" },
      legend: { bottom: 0, type: "scroll", itemWidth: 10, itemHeight: 10 },
      series: [{ type: "pie", radius: ["38%", "62%"], label: { show: false }, data: data }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawBudgetBars() {
    var el = document.getElementById("budget-chart");
    if (!el || !window.echarts) return;
    var data = JSON.parse(document.getElementById("budget-chart-data").textContent);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      color: ["#c8161d", "#d1d5db"],
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, itemWidth: 10, itemHeight: 10 },
      grid: { left: 8, right: 16, top: 28, bottom: 4, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: data.names, axisLabel: { fontSize: 11, width: 110, overflow: "truncate" } },
      series: [
        { name: el.dataset.used, type: "bar", stack: "b", data: data.used, barMaxWidth: 16 },
        { name: el.dataset.left, type: "bar", stack: "b", data: data.left, barMaxWidth: 16 }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // The proposal form: show the fields of the chosen source (hardship file or roll member).
  function syncProposalSource() {
    var radios = document.querySelectorAll("input[name=source]");
    if (!radios.length) return;
    function sync() {
      var picked = document.querySelector("input[name=source]:checked");
      var value = picked ? picked.value : "file";
      document.querySelectorAll("[data-source]").forEach(function (el) { el.hidden = el.dataset.source !== value; });
    }
    radios.forEach(function (el) { el.addEventListener("change", sync); });
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawTypePie();
    drawBudgetBars();
    syncProposalSource();
  });
})();
