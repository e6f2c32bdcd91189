// Customers per tier (ECharts, vendored). Data comes from a json_script element.
(function () {
  var el = document.getElementById("tier-chart");
  var src = document.getElementById("tier-chart-data");
  if (!el || !src || !window.echarts) { return; }
  var data = JSON.parse(src.textContent);
  var chart = window.echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.labels },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: data.title, type: "bar", data: data.counts, label: { show: true, position: "top" } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
