/* The timed walk: a screen-filling Start button, then a screen-filling Stop button in the same
   place, so neither needs looking at. The page sends the time between the two (performance.now)
   and the optional step count; the server works out speed and cadence from the clinic's distance. */
(function () {
  "use strict";
  var root = document.getElementById("walk-test");
  if (!root || !window.MotorTest) return;
  var M = window.MotorTest;
  var screens = new M.Screens(root);
  var t0 = 0;
  var startedAt = "";
  var durationMs = 0;
  var ticker = null;
  var elapsed = root.querySelector("[data-elapsed]");

  function on(action, fn) {
    root.querySelectorAll("[data-action=" + action + "]").forEach(function (el) { el.addEventListener("click", fn); });
  }

  on("ready", function () { screens.show("ready"); });
  on("cancel", function () { screens.show("intro"); });
  on("go", function () {
    t0 = performance.now();
    startedAt = M.startedAt();
    elapsed.textContent = "0.0 s";
    screens.show("test");
    ticker = setInterval(function () {
      elapsed.textContent = ((performance.now() - t0) / 1000).toFixed(1) + " s";
    }, 100);
  });
  on("finish", function () {
    durationMs = Math.round(performance.now() - t0);
    clearInterval(ticker);
    root.querySelector("[data-walk-time]").textContent = (durationMs / 1000).toFixed(1);
    screens.show("count");
  });
  on("stop", function () {
    clearInterval(ticker);
    screens.show("stopped");
  });
  on("again", function () { screens.show("intro"); });

  root.querySelector("[data-walk-form]").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = root.querySelector("#walk-steps");
    var error = root.querySelector("[data-count-error]");
    var steps = null;
    if (input.value !== "") {
      steps = Number(input.value);
      if (!Number.isInteger(steps) || steps < 1 || steps > 2000) {
        error.textContent = "Type the number of steps (a whole number), or leave it empty.";
        error.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
    }
    error.hidden = true;
    M.submit(root, screens, {
      client_id: M.uuid(), kind: "walk", started_at: startedAt, input_method: "buttons", duration_ms: durationMs,
      steps: steps,
    });
  });
  M.flush(root);
  root.setAttribute("data-ready", "true");  // the script ran (the browser tests wait for this)
})();
