/* Draws every [data-figure] element from the JSON figure next to it, with the
   vendored plotly.js basic bundle. No chart, no plotly.js: pages without a
   chart do not load either file's work. */
(function () {
  "use strict";
  var charts = [];

  // Print size of the report's chart in CSS px: about the printable width of A4
  // and Letter, short enough to sit under the summary table on page 1.
  var PRINT_WIDTH = 720;
  var PRINT_HEIGHT = 500;

  // The view changes only through the range buttons (links that reload the
  // page), so button and view cannot disagree. The axes are fixed in the
  // figure (tracker/charts.py); here nothing zooms on a wheel or a double tap,
  // and there is no mode bar: its buttons inside the chart's role="img" were
  // focusable controls inside an image (axe "nested-interactive").
  var CONFIG = {
    responsive: true,
    displaylogo: false,
    displayModeBar: false,
    scrollZoom: false,
    doubleClick: false,
    showTips: false,
    showAxisDragHandles: false,
  };

  // The report is printed: a fixed-size SVG picture of the whole period scales
  // to the paper's width, so no window width can clip its last days or push it
  // to page 2 (print.css shows it instead of the live chart).
  function addPrintImage(el) {
    return window.Plotly.toImage(el, { format: "svg", width: PRINT_WIDTH, height: PRINT_HEIGHT }).then(function (url) {
      var img = document.createElement("img");
      img.className = "chart-print";
      img.alt = "";  // the live chart and its summary carry the text alternative
      img.width = PRINT_WIDTH;
      img.height = PRINT_HEIGHT;
      img.src = url;
      el.parentNode.insertBefore(img, el.nextSibling);
      return new Promise(function (resolve) {
        if (img.complete) resolve();
        else img.addEventListener("load", resolve);
      });
    });
  }

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-figure"));
    if (!source || !window.Plotly) return;
    var fig = JSON.parse(source.textContent);
    // A fixed container height keeps the page layout right when plotly resizes to the width.
    if (fig.layout && fig.layout.height) el.style.height = fig.layout.height + "px";
    window.Plotly.newPlot(el, fig.data, fig.layout, CONFIG)
      .then(function () {
        if (el.hasAttribute("data-print")) return addPrintImage(el);
      })
      .then(function () {
        el.setAttribute("data-rendered", "true");
      });
    charts.push(el);
  }

  document.querySelectorAll("[data-figure]").forEach(draw);

  // A printed chart page other than the report: print at the paper's width, then back to the screen's.
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
