/* Gonghui pages: the union picker, the lazy tree toggles and the charts. No build step. */
(function () {
  "use strict";

  // Union picker (_org_picker.html): choosing a suggestion fills the hidden id.
  document.addEventListener("click", function (event) {
    var option = event.target.closest("[data-pick-id]");
    document.querySelectorAll("[data-picker-results]").forEach(function (list) {
      if (!option || !list.contains(option)) list.innerHTML = "";
    });
    if (!option) return;
    var picker = option.closest("[data-picker]");
    var hidden = picker.querySelector("[data-picker-value]");
    picker.querySelector("[data-picker-text]").value = option.dataset.pickLabel;
    picker.querySelector("[data-picker-results]").innerHTML = "";
    hidden.value = option.dataset.pickId;
    hidden.dispatchEvent(new Event("change", { bubbles: true }));
  });
  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-picker-text]")) return;
    var hidden = event.target.closest("[data-picker]").querySelector("[data-picker-value]");
    if (hidden.value) {
      hidden.value = "";
      if (!event.target.value) hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && event.target.closest("[data-picker]")) {
      event.target.closest("[data-picker]").querySelector("[data-picker-results]").innerHTML = "";
    }
  });

  // Tree toggles (_node.html): the first click loads children through htmx, later clicks fold.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-toggle-children]");
    if (!toggle) return;
    var list = document.getElementById(toggle.dataset.toggleChildren);
    var open = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", open ? "false" : "true");
    if (list) list.hidden = open;
  });

  // Charts (ECharts, only on pages that load it).
  function drawCharts() {
    if (!window.echarts) return;
    var palette = ["#c8161d", "#f59e0b", "#6b7280", "#2563eb", "#111827", "#10b981", "#8b5cf6"];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var data = JSON.parse(document.getElementById(el.dataset.chartSource).textContent);
      var option;
      if (el.dataset.chart === "status") {
        var items = data.status;
        option = {
          color: palette,
          title: { text: el.dataset.chartTitle, left: "center", top: 0, textStyle: { fontSize: 13, fontWeight: 500 } },
          tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
          legend: { bottom: 0, type: "scroll", itemWidth: 10, itemHeight: 10 },
          series: [{ type: "pie", radius: ["38%", "62%"], center: ["50%", "50%"], label: { show: false },
                     data: items.length ? items : [{ name: el.dataset.chartEmpty, value: 0 }] }]
        };
      } else {
        var total = data.forms.values.reduce(function (a, b) { return a + b; }, 0);
        if (!total) {
          el.style.height = "auto";
          el.innerHTML = '<p class="small text-muted text-center my-2">' + el.dataset.chartTitle + "：" + el.dataset.chartEmpty + "</p>";
          el.dataset.drawn = "1";
          return;
        }
        option = {
          color: ["#c8161d"],
          title: { text: el.dataset.chartTitle, left: "center", top: 0, textStyle: { fontSize: 13, fontWeight: 500 } },
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          grid: { left: 8, right: 24, top: 28, bottom: 4, containLabel: true },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: { type: "category", inverse: true, data: data.forms.names, axisLabel: { fontSize: 11 } },
          series: [{ type: "bar", data: data.forms.values, barMaxWidth: 14, label: { show: true, position: "right", fontSize: 11 } }]
        };
      }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", drawCharts);
  document.addEventListener("htmx:afterSettle", drawCharts);
})();
