// Value dashboard charts (ECharts, vendored). Every element with data-chart="<json_script id>" is
// drawn from the JSON in that script element; labels come translated from the server. Charts are
// (re)initialised on page load and after every HTMX swap (the Pareto period selector).
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  var numberFormat = new Intl.NumberFormat(lang === "zh-hans" ? "zh-Hans-CN" : lang, { maximumFractionDigits: 0 });
  var pctFormat = new Intl.NumberFormat(lang === "zh-hans" ? "zh-Hans-CN" : lang, { style: "percent", maximumFractionDigits: 0 });
  var HEAT = ["#f3f7fb", "#9cc3e6", "#2b6cb0", "#0b3a6e"];
  function num(v) { return v === null || v === undefined ? "—" : numberFormat.format(v); }
  function pct(v) { return pctFormat.format(v); }

  var builders = {
    pareto: function (d) {
      return {
        tooltip: { trigger: "axis", valueFormatter: function (v) { return pct(v); } },
        legend: { data: [d.revenue_name, d.margin_name] },
        grid: { left: 56, right: 24, bottom: 48 },
        xAxis: { type: "value", min: 0, max: 1, name: d.x_name, nameLocation: "middle", nameGap: 28, axisLabel: { formatter: pct } },
        yAxis: { type: "value", min: 0, max: 1, name: d.y_name, axisLabel: { formatter: pct } },
        series: [
          { name: d.revenue_name, type: "line", showSymbol: false, data: d.revenue,
            markPoint: { symbolSize: 44, label: { formatter: function () { return pct(d.top20_revenue); } },
                         data: [{ name: d.mark_name, coord: [0.2, d.top20_revenue] }] },
            markLine: { symbol: "none", silent: true, lineStyle: { type: "dashed" }, data: [{ xAxis: 0.2, name: d.mark_name }] } },
          { name: d.margin_name, type: "line", showSymbol: false, data: d.margin,
            markPoint: { symbolSize: 36, label: { formatter: function () { return pct(d.top20_margin); } },
                         data: [{ name: d.mark_name, coord: [0.2, d.top20_margin] }] } },
          { name: d.equality_name, type: "line", showSymbol: false, silent: true, data: [[0, 0], [1, 1]],
            lineStyle: { type: "dotted", color: "#999" }, tooltip: { show: false } }
        ]
      };
    },
    abc: function (d) {
      return {
        tooltip: { trigger: "axis" },
        legend: { data: [d.customers_name, d.share_name] },
        xAxis: { type: "category", data: d.categories },
        yAxis: [{ type: "value", name: d.customers_name }, { type: "value", name: d.share_name, min: 0, max: 100 }],
        series: [
          { name: d.customers_name, type: "bar", data: d.customers },
          { name: d.share_name, type: "bar", yAxisIndex: 1, data: d.shares }
        ]
      };
    },
    rfm: function (d) {
      return {
        tooltip: { formatter: function (p) {
          return d.y_name + " " + d.scores[p.value[1]] + " · " + d.x_name + " " + d.scores[p.value[0]] + "<br>" +
            d.customers_name + ": " + num(p.value[2]) + "<br>" + d.mean_name + ": " + num(p.value[3]);
        } },
        grid: { left: 64, right: 24, top: 16, bottom: 72 },
        xAxis: { type: "category", data: d.scores, name: d.x_name, nameLocation: "middle", nameGap: 28 },
        yAxis: { type: "category", data: d.scores, name: d.y_name, nameLocation: "middle", nameGap: 36 },
        visualMap: { min: 0, max: Math.max(d.max, 1), calculable: true, orient: "horizontal", left: "center", bottom: 0,
                     itemHeight: 120, dimension: 2, inRange: { color: HEAT } },
        series: [{ type: "heatmap", data: d.cells, label: { show: true, formatter: function (p) { return num(p.value[2]); } } }]
      };
    },
    stages: function (d) {
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 48, right: 16, bottom: 56 },
        xAxis: { type: "category", data: d.categories, axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: "value" },
        series: [{ name: d.customers_name, type: "bar", data: d.values }]
      };
    },
    migration: function (d) {
      return {
        tooltip: { formatter: function (p) {
          return d.y_name + ": " + d.from[p.value[1]] + "<br>" + d.x_name + ": " + d.to[p.value[0]] + "<br>" +
            d.customers_name + ": " + num(p.value[2]);
        } },
        grid: { left: 88, right: 24, top: 16, bottom: 72 },
        xAxis: { type: "category", data: d.to, name: d.x_name, nameLocation: "middle", nameGap: 28 },
        yAxis: { type: "category", data: d.from, inverse: true },
        visualMap: { min: 0, max: Math.max(d.max, 1), calculable: true, orient: "horizontal", left: "center", bottom: 0,
                     itemHeight: 120, dimension: 2, inRange: { color: HEAT } },
        series: [{ type: "heatmap", data: d.cells, label: { show: true, formatter: function (p) { return num(p.value[2]); } } }]
      };
    },
    cohorts: function (d) {
      return {
        tooltip: { formatter: function (p) {
          return d.cohorts[p.value[1]] + " · +" + d.offsets[p.value[0]] + "<br>" + d.pct_name + ": " + p.value[2] +
            "%<br>" + d.customers_name + ": " + num(p.value[3]);
        } },
        grid: { left: 72, right: 24, top: 16, bottom: 72 },
        xAxis: { type: "category", data: d.offsets, name: d.x_name, nameLocation: "middle", nameGap: 28 },
        yAxis: { type: "category", data: d.cohorts, inverse: true },
        visualMap: { min: 0, max: Math.max(d.max, 1), calculable: true, orient: "horizontal", left: "center", bottom: 0,
                     itemHeight: 120, dimension: 2, inRange: { color: HEAT } },
        series: [{ type: "heatmap", data: d.cells, label: { show: d.offsets.length <= 13, fontSize: 10,
                   formatter: function (p) { return Math.round(p.value[2]); } } }]
      };
    },
    holdout: function (d) {
      return {
        tooltip: { trigger: "axis" },
        legend: { data: [d.actual_name, d.predicted_name] },
        xAxis: { type: "category", data: d.categories, name: d.x_name, nameLocation: "middle", nameGap: 28 },
        yAxis: { type: "value", name: d.y_name },
        grid: { left: 56, right: 24, bottom: 48 },
        series: [
          { name: d.actual_name, type: "line", data: d.actual },
          { name: d.predicted_name, type: "line", lineStyle: { type: "dashed" }, data: d.predicted }
        ]
      };
    }
  };

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var build = builders[data.kind];
    if (!build) { return; }
    var old = window.echarts.getInstanceByDom(el);
    if (old) { old.dispose(); }
    var chart = window.echarts.init(el);
    chart.setOption(build(data));
    if (data.kind === "rfm" && data.cell_url) {
      chart.on("click", function (p) {
        if (!p.value || !p.value[2]) { return; }
        window.location.href = data.cell_url.replace("{r}", data.scores[p.value[1]]).replace("{f}", data.scores[p.value[0]]);
      });
    }
    el.setAttribute("data-chart-ready", "1");
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }

  drawAll(document);
  document.body.addEventListener("htmx:afterSwap", function () { drawAll(document); });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-chart-ready]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  });
})();
