// Draws every chart of a page from its data-chart option (bundled ECharts, SVG renderer).
document.querySelectorAll("[data-chart]").forEach(function (element) {
  var chart = echarts.init(element, null, {renderer: "svg"});
  chart.setOption(JSON.parse(element.dataset.chart));
  window.addEventListener("resize", function () { chart.resize(); });
});
