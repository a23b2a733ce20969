/* Refreshes a list in place every N seconds: the element with
   data-fragment-url is replaced by the HTML fragment of the same filters.
   Used by the dashboard and the alert inbox. The fragment's root carries
   data-updated (shown in #last-updated) and data-open-alerts (the nav badge).
   No library; without JavaScript the pages work and a <noscript> meta refresh
   reloads them. */
(function () {
  "use strict";
  var box = document.querySelector("[data-fragment-url]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-fragment-url");
  var seconds = parseInt(box.getAttribute("data-refresh-seconds"), 10) || 30;
  var stamp = document.getElementById("last-updated");
  var status = document.getElementById("refresh-status");
  var badge = document.getElementById("open-alert-count");
  // The dashboard's fragment carries an ETag: sent back, an unchanged list is a
  // 304 with no body. Kept here rather than in the HTTP cache, which these
  // private pages may not use (Cache-Control: no-store).
  var etag = box.getAttribute("data-etag") || null;

  // Someone is using the list (typing a resolve note, an open "Resolve..."
  // panel): replacing it now would throw their work away. Try next time.
  function busy() {
    var active = document.activeElement;
    var typing = active && box.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
    return typing || box.querySelector("details[open]") !== null;
  }

  function refresh() {
    if (document.hidden || busy()) return;
    var headers = { "X-Requested-With": "fetch" };
    if (etag) headers["If-None-Match"] = etag;
    return fetch(url, { credentials: "same-origin", cache: "no-store", headers: headers })
      .then(function (response) {
        // A log-in page after the session expired: reload to show it.
        if (response.redirected) { window.location.reload(); throw new Error("redirected"); }
        if (response.status === 304) {
          var when = response.headers.get("X-Updated");
          if (when && stamp) stamp.textContent = when;
          if (status) status.textContent = "";
          return null;
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        etag = response.headers.get("ETag");
        return response.text();
      })
      .then(function (html) {
        if (html === null) return;
        box.innerHTML = html;
        var root = box.querySelector("[data-updated]");
        if (root && stamp) stamp.textContent = root.getAttribute("data-updated");
        if (root && badge && root.hasAttribute("data-open-alerts")) badge.textContent = root.getAttribute("data-open-alerts");
        if (status) status.textContent = "";
      })
      .catch(function () {
        if (status) status.textContent = "(could not refresh; will try again)";
      });
  }

  window.setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  window.myelotrackRefresh = refresh;
})();
