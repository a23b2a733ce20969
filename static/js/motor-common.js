/* Shared by the phone tests (motor-tap.js, motor-step.js, motor-walk.js): screens, the try's id,
   and sending the raw result to the API with a retry that does not lose it.

   A result waiting to be sent is kept in sessionStorage (this tab only, gone when the tab is
   closed), so a reload or a lost signal does not lose it; its client_id makes a second send of
   the same try store nothing new on the server. */
(function () {
  "use strict";
  var PENDING = "myelotrack-motor-pending";

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function Screens(root) {
    this.root = root;
  }
  Screens.prototype.show = function (name) {
    var shown = null;
    this.root.querySelectorAll("[data-screen]").forEach(function (el) {
      var on = el.getAttribute("data-screen") === name;
      el.hidden = !on;
      if (on) shown = el;
    });
    this.root.setAttribute("data-current", name);
    // Move focus to the new screen's heading or first control, so a screen reader follows.
    if (shown) {
      var target = shown.querySelector("h1, h2, [data-focus], button, a, input");
      if (target) {
        if (!target.matches("button, a, input")) target.setAttribute("tabindex", "-1");
        target.focus({ preventScroll: false });
      }
    }
  };

  function pending() {
    try { return JSON.parse(sessionStorage.getItem(PENDING) || "[]"); } catch (e) { return []; }
  }
  function keep(list) {
    try { sessionStorage.setItem(PENDING, JSON.stringify(list)); } catch (e) { /* private mode: memory only */ }
  }
  function forget(id) {
    keep(pending().filter(function (p) { return p.client_id !== id; }));
  }

  function csrf(root) {
    var input = root.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // POST one try; resolves with the stored result, rejects with {status, text} (no signal: status 0).
  function send(root, payload) {
    var list = pending().filter(function (p) { return p.client_id !== payload.client_id; });
    list.push(payload);
    keep(list);
    return fetch(root.getAttribute("data-api"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(root), Accept: "application/json" },
      body: JSON.stringify(payload),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) {
          forget(payload.client_id);
          return body;
        }
        if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
          // The server refused this try (it will refuse it again): drop it, say why.
          forget(payload.client_id);
        }
        var text = Object.keys(body).map(function (k) { return [].concat(body[k]).join(" "); }).join(" ");
        throw { status: response.status, text: text || "The server could not save it." };
      });
    }, function () {
      throw { status: 0, text: "There seems to be no signal." };
    });
  }

  // Results left from a lost signal or a reload: sent quietly when the page opens.
  function flush(root) {
    pending().forEach(function (p) { send(root, p).catch(function () {}); });
  }

  function countdown(el, seconds, done) {
    var left = seconds;
    el.textContent = String(left);
    var timer = setInterval(function () {
      left -= 1;
      if (left <= 0) {
        clearInterval(timer);
        done();
      } else {
        el.textContent = String(left);
      }
    }, 1000);
    return function cancel() { clearInterval(timer); };
  }

  function showResult(root, screens, body) {
    root.querySelector("[data-result]").textContent = body.words || "Saved.";
    var note = root.querySelector("[data-practice-note]");
    if (note) note.hidden = !body.practice;
    screens.show("result");
  }

  // Send, show the result, or the retry screen (which sends the same try again).
  function submit(root, screens, payload, onSaved) {
    screens.show("saving");
    send(root, payload).then(function (body) {
      showResult(root, screens, body);
      if (onSaved) onSaved(body);
    }, function (err) {
      var errorScreen = root.querySelector("[data-screen=error]");
      errorScreen.querySelector("[data-error-text]").textContent = err.text;
      var retry = errorScreen.querySelector("[data-action=retry]");
      // A refusal will not change on retry; a lost signal will.
      retry.hidden = err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;
      retry.onclick = function () { submit(root, screens, payload, onSaved); };
      screens.show("error");
    });
  }

  window.MotorTest = {
    uuid: uuid,
    Screens: Screens,
    send: send,
    submit: submit,
    flush: flush,
    countdown: countdown,
    startedAt: function () { return new Date().toISOString(); },
  };
})();
