/* Refreshes the dashboard's rows in place every N seconds (data-refresh-seconds)
   by fetching the HTML fragment of the same filters. No library; without
   JavaScript the page works and a <noscript> meta refresh reloads it. */
(function () {
  "use strict";
  var box = document.getElementById("dashboard-rows");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-fragment-url");
  var seconds = parseInt(box.getAttribute("data-refresh-seconds"), 10) || 30;
  var stamp = document.getElementById("last-updated");
  var status = document.getElementById("refresh-status");

  function refresh() {
    if (document.hidden) return;
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        // A log-in page after the session expired: reload to show it.
        if (response.redirected) { window.location.reload(); throw new Error("redirected"); }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        box.innerHTML = html;
        var rows = box.querySelector("[data-updated]");
        if (rows && stamp) stamp.textContent = rows.getAttribute("data-updated");
        if (status) status.textContent = "";
      })
      .catch(function () {
        if (status) status.textContent = "(could not refresh; will try again)";
      });
  }

  window.setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  window.myelotrackDashboardRefresh = refresh;
})();
