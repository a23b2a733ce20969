/* Draws every [data-figure] element from the JSON figure next to it, with the
   vendored plotly.js basic bundle. No chart, no plotly.js: pages without a
   chart do not load either file's work. */
(function () {
  "use strict";
  var charts = [];

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-figure"));
    if (!source || !window.Plotly) return;
    var fig = JSON.parse(source.textContent);
    // A fixed container height keeps the page layout right when plotly resizes to the width.
    if (fig.layout && fig.layout.height) el.style.height = fig.layout.height + "px";
    var config = {
      responsive: true,
      displaylogo: false,
      modeBarButtonsToRemove: ["lasso2d", "select2d", "autoScale2d"],
    };
    window.Plotly.newPlot(el, fig.data, fig.layout, config).then(function () {
      el.setAttribute("data-rendered", "true");
    });
    charts.push(el);
  }

  document.querySelectorAll("[data-figure]").forEach(draw);

  // Print at the paper's width, then back to the screen's.
  function resizeAll() {
    charts.forEach(function (el) { window.Plotly.Plots.resize(el); });
  }
  if (window.matchMedia && charts.length) {
    var mq = window.matchMedia("print");
    if (mq.addEventListener) mq.addEventListener("change", resizeAll);
    window.addEventListener("beforeprint", resizeAll);
    window.addEventListener("afterprint", resizeAll);
  }

  document.querySelectorAll(".js-print").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
