/* The check-in without signal. Without JavaScript the form posts as usual;
   with it, the answers are sent in the background and, when that fails (no
   network, or the server cannot save), kept on the phone (checkin-queue.js)
   for the day the patient made them, and sent when the signal returns.

   A red-flag "Yes" while offline cannot reach the clinic: the emergency
   advice and number show at once, from the page itself. */
(function () {
  "use strict";
  var form = document.querySelector("form.checkin");
  var queue = window.MyeloQueue;
  var app = window.MyeloApp;
  if (!form || !queue || !app || !window.fetch || !window.indexedDB) return;
  var urgent = document.getElementById("offline-urgent");
  var saved = document.getElementById("offline-saved");
  var DOMAINS = ["fine_motor", "gait", "sensation", "bladder"];
  var RATINGS = ["numbness", "neck_pain"];

  // The emergency number as tap-to-call links ("999 / 112" is two numbers).
  (function fillNumbers() {
    var holder = document.getElementById("offline-urgent-numbers");
    if (!urgent || !holder) return;
    urgent.getAttribute("data-emergency-number").split("/").forEach(function (part) {
      var number = part.trim();
      if (!number) return;
      var link = document.createElement("a");
      link.className = "button phone";
      link.href = "tel:" + number.replace(/[^0-9+]/g, "");
      link.textContent = "Call " + number;
      holder.appendChild(link);
    });
  })();

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function dayNumber(d) { return Math.round(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / 86400000); }

  /* The patient's day: the server's "today" for them when the page was made,
     moved on by the days the phone's clock has turned over since (a copy of
     the page opened offline tomorrow makes tomorrow's check-in). */
  function madeOn(now) {
    var today = form.getAttribute("data-today");
    var renderedAt = new Date(parseInt(form.getAttribute("data-rendered-at"), 10) * 1000);
    var parts = today.split("-").map(Number);
    var base = Date.UTC(parts[0], parts[1] - 1, parts[2]);
    var day = new Date(base + (dayNumber(now) - dayNumber(renderedAt)) * 86400000);
    return day.getUTCFullYear() + "-" + pad(day.getUTCMonth() + 1) + "-" + pad(day.getUTCDate());
  }

  // The form's answers in the API's shape (tracker/api/serializers.py CheckInWriteSerializer).
  function answers() {
    var data = new FormData(form);
    var body = {};
    DOMAINS.forEach(function (name) { if (data.get(name) !== null) body[name] = parseInt(data.get(name), 10); });
    Array.prototype.forEach.call(form.querySelectorAll("input[type=radio][name^=rf_]"), function (input) {
      if (input.checked) body[input.name] = input.value === "yes";
    });
    RATINGS.forEach(function (name) {
      var value = data.get(name);
      body[name] = value === null || value === "" ? null : parseInt(value, 10);
    });
    body.numbness_locations = data.getAll("numbness_locations");
    body.note = data.get("note") || "";
    return body;
  }

  function redFlagYes() {
    return !!form.querySelector("input[type=radio][name^=rf_][value=yes]:checked");
  }

  function showUrgent() {
    if (!urgent) return;
    urgent.hidden = false;
    urgent.scrollIntoView({ block: "start" });
  }

  // Offline there is no server to check the answers: the same summary it would give.
  function missing() {
    var unanswered = [];
    Array.prototype.forEach.call(form.querySelectorAll("fieldset.question"), function (fieldset) {
      var radios = fieldset.querySelectorAll("input[type=radio]");
      var optional = fieldset.querySelector("input[type=radio][value='']") || !radios.length;
      if (!optional && !fieldset.querySelector("input[type=radio]:checked")) unanswered.push(fieldset);
    });
    return unanswered;
  }

  function showMissing(fieldsets) {
    var box = document.getElementById("offline-missing");
    box.textContent = "";
    var heading = document.createElement("h2");
    heading.textContent = "Please answer these questions";
    var list = document.createElement("ul");
    fieldsets.forEach(function (fieldset) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + fieldset.id;
      link.textContent = fieldset.querySelector("legend").textContent;
      item.appendChild(link);
      list.appendChild(item);
    });
    box.appendChild(heading);
    box.appendChild(list);
    box.hidden = false;
    box.focus();
  }

  function keep(reason) {
    var unanswered = missing();
    if (unanswered.length) { showMissing(unanswered); return Promise.resolve(); }
    var now = new Date();
    var day = madeOn(now);
    var body = answers();
    body.date = day;
    var flagged = redFlagYes();
    var missingBox = document.getElementById("offline-missing");
    return queue.add({ user: app.user, date: day, madeAt: now.toISOString(), body: body }).then(function () {
      form.hidden = true;
      missingBox.hidden = true;
      Array.prototype.forEach.call(document.querySelectorAll("main .lead, main .note:not(#offline-saved)"), function (el) {
        el.hidden = true; // "Tap one answer..." and "You already checked in today" no longer apply
      });
      saved.querySelector(".why").textContent = reason;
      saved.hidden = false;
      if (flagged) showUrgent(); else saved.focus();
      return navigator.serviceWorker && navigator.serviceWorker.ready.then(function (registration) {
        // Background Sync, where the browser has it, sends it even if the app is closed by then.
        if (registration.sync) return registration.sync.register(queue.SYNC_TAG);
      }).catch(function () {});
    }, function () {
      // The phone would not store it (storage full, a private window): say so, keep the answers on screen.
      missingBox.textContent = "";
      var p = document.createElement("p");
      p.textContent = reason + " This phone could not keep your answers either. Please send them again when you have a signal.";
      missingBox.appendChild(p);
      missingBox.hidden = false;
      missingBox.focus();
      if (flagged) showUrgent();
    }).then(app.show);
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.name && input.name.indexOf("rf_") === 0 && input.value === "yes" && !navigator.onLine) showUrgent();
  });

  // A "Yes" given just before the signal went.
  window.addEventListener("offline", function () { if (redFlagYes() && !form.hidden) showUrgent(); });

  var NO_SIGNAL = "There is no connection right now.";
  var CHECKIN_PATH = window.location.pathname;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!navigator.onLine) { keep(NO_SIGNAL); return; }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action || window.location.href, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Checkin-Fetch": "1" }
    })
      .then(function (response) {
        // Saved: the server names the confirmation (or emergency) page rather
        // than redirecting, so that the phone fetches it once, not twice (a
        // redirect there, from a server that did not see the header, still counts).
        var next = response.status === 204 ? response.headers.get("X-Checkin-Saved")
          : response.ok && response.redirected ? response.url : null;
        if (next && new URL(next, window.location.href).pathname.indexOf(CHECKIN_PATH) === 0) {
          window.location.assign(next);
          return null;
        }
        if (response.status >= 500) return keep("MyeloTrack could not save it just now.");
        if (response.ok && response.redirected) return keep("You need to log in again to send it.");
        // Answers the server refuses (one left out): let it show its own error page.
        HTMLFormElement.prototype.submit.call(form);
        return null;
      }, function () { return keep(NO_SIGNAL); })
      .then(function () { button.disabled = false; });
  });
})();
