/**
 * The page's own script (plain ES5, inlined after Chart.js): it reads the embedded data block and
 * draws every chart. Points with a `label` get it written beside them, and their tooltip names it.
 * Animation is off so that the charts are complete on first paint (and in screenshots).
 * `window.llmproofCharts` holds the Chart instances (the browser tests read it).
 */
export const CLIENT_SCRIPT = `(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("llmproof-data").textContent);
  var pointLabels = {
    id: "llmproofPointLabels",
    afterDatasetsDraw: function (chart) {
      var context = chart.ctx;
      context.save();
      context.font = "12px system-ui, sans-serif";
      context.fillStyle = "#222";
      chart.data.datasets.forEach(function (dataset, datasetIndex) {
        var meta = chart.getDatasetMeta(datasetIndex);
        if (meta.hidden) return;
        meta.data.forEach(function (element, index) {
          var raw = dataset.data[index];
          // Alternate above and below the point so neighbours' labels do not overlap.
          if (raw && typeof raw === "object" && raw.label)
            context.fillText(raw.label, element.x + 8, index % 2 === 0 ? element.y - 8 : element.y + 16);
        });
      });
      context.restore();
    }
  };
  window.llmproofCharts = {};
  data.charts.forEach(function (spec) {
    var canvas = document.getElementById(spec.id);
    if (!canvas) return;
    var config = spec.config;
    if (config.type === "scatter") {
      config.plugins = [pointLabels];
      config.options.plugins = config.options.plugins || {};
      config.options.plugins.tooltip = {
        callbacks: {
          label: function (item) {
            var raw = item.raw || {};
            return (raw.label ? raw.label + ": " : "") + item.formattedValue;
          }
        }
      };
    }
    window.llmproofCharts[spec.id] = new Chart(canvas, config);
  });
  document.documentElement.setAttribute("data-charts", String(Object.keys(window.llmproofCharts).length));
})();
`;
