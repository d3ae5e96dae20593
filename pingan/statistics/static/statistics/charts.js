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
  // Dashboard sections arrive by htmx (each its own request): draw each chart once, when its
  // section is swapped in (htmx:load), from the JSON the section carries.
  function draw(root) {
    root.querySelectorAll('[data-chart="dashboard"]:not([data-drawn])').forEach(function (el) {
      var d = read(el.dataset.source);
      if (!d) { return; }
      el.dataset.drawn = "1";
      bar(el, d.names, [
        { name: el.getAttribute("aria-label"), type: "bar", data: d.values },
        { name: d.previous_label, type: "bar", data: d.previous }
      ]);
    });
    var metric = read("statistics-metric-data");
    root.querySelectorAll('[data-chart="metric"]:not([data-drawn])').forEach(function (el) {
      el.dataset.drawn = "1";
      if (metric) { bar(el, metric.names, [{ name: metric.title, type: "bar", data: metric.values }]); }
    });
  }
  document.addEventListener("htmx:load", function (e) { draw(e.detail.elt.parentNode || document); });
  function start() { draw(document); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
