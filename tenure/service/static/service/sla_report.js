// Weekly SLA compliance chart (ECharts, vendored). Data comes from a json_script element.
(function () {
  var el = document.getElementById("sla-chart");
  var data = JSON.parse(document.getElementById("sla-chart-data").textContent);
  if (!el || !window.echarts) { return; }
  var chart = window.echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: data.names },
    xAxis: { type: "category", data: data.weeks },
    yAxis: { type: "value", min: 0, max: 100 },
    series: [
      { name: data.names[0], type: "line", data: data.first_response, connectNulls: true },
      { name: data.names[1], type: "line", data: data.resolution, connectNulls: true }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
