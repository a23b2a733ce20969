// Web Push handlers for the service worker: sw.js loads this with importScripts.
// The payload is what reminders.channels.push_payload sends: {title, body, url, tag}.
// It never holds health data, so showing it on a locked screen is safe.
/* global self, clients */
(function () {
  "use strict";
  var FALLBACK = { title: "MyeloTrack", body: "Time for your check-in.", url: "/checkin/" };

  function sameOriginPath(url) {
    // Only open pages of this site, whatever a payload says.
    try {
      var parsed = new URL(url || FALLBACK.url, self.location.origin);
      return parsed.origin === self.location.origin ? parsed.href : new URL(FALLBACK.url, self.location.origin).href;
    } catch (e) {
      return new URL(FALLBACK.url, self.location.origin).href;
    }
  }

  self.addEventListener("push", function (event) {
    var data = FALLBACK;
    if (event.data) {
      try { data = event.data.json(); } catch (e) { data = FALLBACK; }
    }
    event.waitUntil(self.registration.showNotification(data.title || FALLBACK.title, {
      body: data.body || FALLBACK.body,
      tag: data.tag || "myelotrack-checkin",
      icon: data.icon,
      data: { url: sameOriginPath(data.url) }
    }));
  });

  self.addEventListener("notificationclick", function (event) {
    event.notification.close();
    var target = (event.notification.data && event.notification.data.url) || sameOriginPath(FALLBACK.url);
    event.waitUntil(clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        var client = windows[i];
        if (client.url === target && "focus" in client) return client.focus();
      }
      for (var j = 0; j < windows.length; j++) {
        // An open MyeloTrack tab: take it to the check-in rather than opening another.
        if ("navigate" in windows[j]) {
          return windows[j].navigate(target).then(function (c) { return c ? c.focus() : clients.openWindow(target); });
        }
      }
      return clients.openWindow(target);
    }));
  });
})();
