/* The tap test: two big targets, one hand, 10 seconds, each hand in turn.

   Every pointerdown inside the test area is recorded as {t, target, pointer}: t in ms since the
   countdown ended (performance.now), target "a", "b" or "miss", pointer the Pointer Events
   pointerId (one per finger). The page counts nothing itself: the server scores the events
   (detection/motor_scoring.py), so what is stored cannot depend on this script's arithmetic. */
(function () {
  "use strict";
  var root = document.getElementById("tap-test");
  if (!root || !window.MotorTest) return;
  var M = window.MotorTest;
  var screens = new M.Screens(root);
  var DURATION = 10000;
  var HANDS = { right: "Right hand", left: "Left hand" };
  // The whole test screen listens: a tap anywhere outside the two targets is a miss (the Stop button aside).
  var area = root.querySelector("[data-screen=test]");
  var remaining = root.querySelector("[data-remaining]");
  var side = "right";
  var done = {};
  var events = [];
  var method = "";
  var t0 = 0;
  var startedAt = "";
  var running = false;
  var timers = [];

  function other(s) { return s === "right" ? "left" : "right"; }

  function label() {
    root.querySelectorAll("[data-hand-label]").forEach(function (el) { el.textContent = HANDS[side]; });
  }

  function clearTimers() {
    timers.forEach(function (t) { clearInterval(t); clearTimeout(t); });
    timers = [];
  }

  function begin(which) {
    side = which;
    label();
    screens.show("countdown");
    var cancel = M.countdown(root.querySelector("[data-countdown]"), 3, run);
    timers.push({ cancel: cancel });
  }

  function run() {
    events = [];
    method = "";
    screens.show("test");
    running = true;
    t0 = performance.now();
    startedAt = M.startedAt();
    remaining.textContent = "10";
    timers.push(setInterval(function () {
      var left = Math.max(0, Math.ceil((DURATION - (performance.now() - t0)) / 1000));
      remaining.textContent = String(left);
    }, 200));
    timers.push(setTimeout(finish, DURATION));
  }

  area.addEventListener("pointerdown", function (event) {
    if (!running) return;
    if (event.target.closest && event.target.closest("[data-action=stop]")) return;
    event.preventDefault();  // no focus ring flashing, no text selection, no emulated mouse events
    var hit = event.target.closest ? event.target.closest("[data-target]") : null;
    if (!method) method = event.pointerType === "mouse" ? "mouse" : event.pointerType === "pen" ? "pen" : "touch";
    events.push({
      t: Math.round((performance.now() - t0) * 10) / 10,
      target: hit ? hit.getAttribute("data-target") : "miss",
      pointer: event.pointerId,
    });
    if (hit) {
      hit.classList.add("hit");
      setTimeout(function () { hit.classList.remove("hit"); }, 90);
    }
  });
  // A long press must not open the context menu or select text mid-test.
  area.addEventListener("contextmenu", function (event) { event.preventDefault(); });

  function finish() {
    running = false;
    clearTimers();
    var payload = {
      client_id: M.uuid(),
      kind: "tap",
      side: side,
      started_at: startedAt,
      input_method: method || "touch",
      events: events,
    };
    M.submit(root, screens, payload, function () {
      done[side] = true;
      var next = root.querySelector("[data-action=next-hand]");
      var rest = other(side);
      next.hidden = !!done[rest];
      next.textContent = "Now the " + rest + " hand";
      next.setAttribute("data-side", rest);
    });
  }

  function stop() {
    running = false;
    timers.forEach(function (t) { if (t && t.cancel) t.cancel(); });
    clearTimers();
    screens.show("stopped");
  }

  root.querySelectorAll("[data-action=start]").forEach(function (button) {
    button.addEventListener("click", function () { begin(button.getAttribute("data-side")); });
  });
  root.querySelector("[data-action=next-hand]").addEventListener("click", function (event) {
    begin(event.currentTarget.getAttribute("data-side"));
  });
  root.querySelector("[data-action=stop]").addEventListener("click", stop);
  root.querySelector("[data-action=again]").addEventListener("click", function () { begin(side); });
  M.flush(root);
  root.setAttribute("data-ready", "true");  // the script ran (the browser tests wait for this)
})();
