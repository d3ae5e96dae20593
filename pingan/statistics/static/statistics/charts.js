// Draws the statistics charts with the vendored ECharts. Data comes from json_script elements
// (no inline scripts: the CSP allows scripts from 'self' only).
(function () {
  "use strict";
  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function bar(el, names, series) {
    if (!window.echarts || !names.length) { return; }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { show: series.length > 1 },
      grid: { left: 8, right: 8, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 6 ? 30 : 0 } },
      yAxis: { type: "value" },
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function start() {
    var dash = read("statistics-dashboard-data");
    document.querySelectorAll('[data-chart="dashboard"]').forEach(function (el) {
      var d = dash && dash[el.dataset.key];
      if (!d) { return; }
      bar(el, d.names, [
        { name: el.getAttribute("aria-label"), type: "bar", data: d.values },
        { name: d.previous_label, type: "bar", data: d.previous }
      ]);
    });
    var metric = read("statistics-metric-data");
    document.querySelectorAll('[data-chart="metric"]').forEach(function (el) {
      if (metric) { bar(el, metric.names, [{ name: metric.title, type: "bar", data: metric.values }]); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
