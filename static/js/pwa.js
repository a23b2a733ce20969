/* On the patient's pages: install the service worker, and send any check-ins
   kept on the phone when the page opens and whenever the signal returns.
   Says at the top of the page what is still waiting and what could not be sent. */
(function () {
  "use strict";
  var script = document.currentScript;
  var queue = window.MyeloQueue;
  if (!script || !queue || !window.indexedDB || !window.fetch) return;
  var user = script.getAttribute("data-user");
  var api = script.getAttribute("data-api");

  function csrfToken() {
    // The cookie is current even when this page is an old copy shown offline.
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return match ? decodeURIComponent(match[1]) : (field ? field.value : "");
  }

  function statusBox() {
    var box = document.getElementById("queue-status");
    if (!box) {
      box = document.createElement("div");
      box.id = "queue-status";
      box.className = "queue-status";
      box.setAttribute("role", "status");
      var main = document.getElementById("main");
      if (main) main.insertBefore(box, main.firstChild);
    }
    return box;
  }

  function show() {
    return Promise.all([queue.all(), queue.notices()]).then(function (found) {
      var mine = found[0].filter(function (item) { return item.user === user; });
      var box = statusBox();
      box.textContent = "";
      var saved = document.getElementById("offline-saved");
      var justSaved = saved && !saved.hidden;
      if (justSaved && !mine.length && found[1].length) saved.hidden = true; // refused: the notice says why
      if (justSaved && !mine.length && !found[1].length) {
        // The check-in this page kept has gone through since.
        saved.textContent = "";
        var sent = document.createElement("p");
        var strong = document.createElement("strong");
        strong.textContent = "Your check-in has been sent to your care team.";
        sent.appendChild(strong);
        saved.appendChild(sent);
      }
      if (mine.length && !justSaved) {
        var waiting = document.createElement("p");
        waiting.className = "note";
        waiting.textContent = mine.length === 1
          ? "1 check-in is saved on this phone. It will be sent when you are back online."
          : mine.length + " check-ins are saved on this phone. They will be sent when you are back online.";
        box.appendChild(waiting);
      }
      found[1].forEach(function (text) {
        var p = document.createElement("p");
        p.className = "error";
        p.textContent = text;
        box.appendChild(p);
      });
      if (found[1].length) {
        var ok = document.createElement("button");
        ok.type = "button";
        ok.textContent = "OK, I have read this";
        ok.addEventListener("click", function () { queue.clearNotices().then(show); });
        box.appendChild(ok);
      }
    });
  }

  function flush() {
    return queue.remember(user, csrfToken(), api)
      .then(function () { return navigator.onLine ? queue.sendAll({ user: user, csrf: csrfToken(), api: api }) : null; })
      .catch(function () {})
      .then(show);
  }

  window.MyeloApp = { flush: flush, show: show, user: user, api: api, csrfToken: csrfToken };

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(script.getAttribute("data-sw"), { scope: "/" }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "queue-changed") show();
    });
  }
  window.addEventListener("online", flush);
  flush();
})();
