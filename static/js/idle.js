/* The care team's idle timeout (patients.middleware.IdleTimeoutMiddleware):
   two minutes before the session ends, say so and offer to stay signed in.
   The page's own background refreshes do not count as use, on purpose. */
(function () {
  "use strict";
  var body = document.body;
  var seconds = parseInt(body.getAttribute("data-idle-seconds"), 10);
  var keepAliveUrl = body.getAttribute("data-keep-alive-url");
  if (!seconds || !keepAliveUrl || !window.fetch) return;
  var warnAfter = Math.max(seconds - 120, Math.round(seconds * 0.8));
  var timers = [];
  var banner = null;

  function hide() {
    if (banner) { banner.remove(); banner = null; }
  }

  function show() {
    hide();
    banner = document.createElement("div");
    banner.className = "idle-warning";
    banner.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.textContent = "For privacy, you will be signed out in " + Math.round((seconds - warnAfter) / 60) +
      " minutes unless you keep working.";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "primary";
    button.textContent = "Stay signed in";
    button.addEventListener("click", function () {
      fetch(keepAliveUrl, { credentials: "same-origin" }).then(function (response) {
        if (response.redirected || !response.ok) { window.location.reload(); return; }
        hide();
        schedule();
      });
    });
    banner.appendChild(text);
    banner.appendChild(button);
    body.appendChild(banner);
    button.focus();
  }

  function schedule() {
    timers.forEach(window.clearTimeout);
    // Past the limit the server has already signed the session out: reloading shows the log-in page.
    timers = [window.setTimeout(show, warnAfter * 1000), window.setTimeout(function () { window.location.reload(); }, (seconds + 5) * 1000)];
  }

  schedule();
})();
