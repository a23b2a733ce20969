/* The step test: 10 seconds of stepping on the spot, counted by the phone's motion sensor
   (DeviceMotion, after the permission prompt iOS requires) or by a helper who types the count.

   With the sensor the page sends the raw readings [t, x, y, z] (accelerationIncludingGravity)
   and the server counts the steps (detection/motor_scoring.py). A browser that has the event
   but no sensor (most computers) sends nothing within a second: the page then asks a helper. */
(function () {
  "use strict";
  var root = document.getElementById("step-test");
  if (!root || !window.MotorTest) return;
  var M = window.MotorTest;
  var screens = new M.Screens(root);
  var DURATION = 10000;
  var mode = "sensor";
  var samples = [];
  var t0 = 0;
  var startedAt = "";
  var timers = [];
  var listening = false;
  var remaining = root.querySelector("[data-remaining]");

  function clearTimers() {
    timers.forEach(function (t) { if (t && t.cancel) t.cancel(); else { clearInterval(t); clearTimeout(t); } });
    timers = [];
  }

  function onMotion(event) {
    var a = event.accelerationIncludingGravity;
    if (!a || a.x === null) return;
    samples.push([Math.round(performance.now() - t0), +a.x.toFixed(3), +a.y.toFixed(3), +a.z.toFixed(3)]);
  }

  function listen(on) {
    if (on && !listening) window.addEventListener("devicemotion", onMotion);
    if (!on && listening) window.removeEventListener("devicemotion", onMotion);
    listening = on;
  }

  function permission() {
    var DME = window.DeviceMotionEvent;
    if (!DME) return Promise.resolve(false);
    if (typeof DME.requestPermission === "function") {
      // iOS asks once, and only from a tap: this runs inside the Start button's click.
      return DME.requestPermission().then(function (state) { return state === "granted"; }, function () { return false; });
    }
    return Promise.resolve(true);
  }

  function begin(which) {
    mode = which;
    root.querySelector("[data-mode-label]").textContent = mode === "sensor" ? "Hold the phone to your chest" : "Helper: count the steps";
    screens.show("countdown");
    timers.push({ cancel: M.countdown(root.querySelector("[data-countdown]"), 3, run) });
  }

  function run() {
    samples = [];
    screens.show("test");
    t0 = performance.now();
    startedAt = M.startedAt();
    remaining.textContent = "10";
    if (mode === "sensor") {
      listen(true);
      // No reading within 1.5 s: this browser has no motion sensor. A helper counts instead.
      timers.push(setTimeout(function () {
        if (!samples.length) {
          listen(false);
          mode = "helper";
          root.querySelector("[data-instruction]").textContent = "This phone cannot count steps. Helper: count them.";
          root.querySelector("[data-count-reason]").textContent = "The phone could not count; type the steps the helper counted.";
        }
      }, 1500));
    }
    timers.push(setInterval(function () {
      remaining.textContent = String(Math.max(0, Math.ceil((DURATION - (performance.now() - t0)) / 1000)));
    }, 200));
    timers.push(setTimeout(finish, DURATION));
  }

  function finish() {
    listen(false);
    clearTimers();
    if (mode === "sensor" && samples.length) {
      M.submit(root, screens, {
        client_id: M.uuid(), kind: "step", started_at: startedAt, input_method: "sensor", samples: samples,
      });
    } else {
      screens.show("count");
    }
  }

  root.querySelector("[data-count-form]").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = root.querySelector("#step-count");
    var error = root.querySelector("[data-count-error]");
    var value = Number(input.value);
    if (input.value === "" || !Number.isInteger(value) || value < 0 || value > 60) {
      error.textContent = "Type the number of steps, from 0 to 60.";
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    error.hidden = true;
    input.removeAttribute("aria-invalid");
    M.submit(root, screens, {
      client_id: M.uuid(), kind: "step", started_at: startedAt, input_method: "helper", steps: value,
    });
  });

  root.querySelector("[data-action=start]").addEventListener("click", function () {
    permission().then(function (ok) { begin(ok ? "sensor" : "helper"); });
  });
  root.querySelector("[data-action=helper]").addEventListener("click", function () { begin("helper"); });
  root.querySelector("[data-action=stop]").addEventListener("click", function () {
    listen(false);
    clearTimers();
    screens.show("stopped");
  });
  root.querySelector("[data-action=again]").addEventListener("click", function () { screens.show("intro"); });
  M.flush(root);
  root.setAttribute("data-ready", "true");  // the script ran (the browser tests wait for this)
})();
