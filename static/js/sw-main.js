/* The service worker's logic; /sw.js (tracker/pwa.py) sets self.MYELOTRACK_SW and imports this.

   - The app shell (stylesheet, scripts, icons, the offline page) is precached
     in a cache named after the release, so a new release replaces it whole.
   - The check-in page is personal and changes daily: network first, and the
     last good copy is kept for when there is no signal.
   - Any other page without signal: the plain offline page.
   - Check-ins kept on the phone are sent by Background Sync where the browser
     has it (the pages also send them on the online event and when opened). */
(function () {
  "use strict";
  var config = self.MYELOTRACK_SW;
  var SHELL = "myelotrack-shell-" + config.version;
  var PAGES = "myelotrack-pages-" + config.version;

  // Only the patient's real page: not the log-in page a lapsed session is redirected to.
  function keepPage(response) {
    if (response.status !== 200 || response.redirected) return Promise.resolve();
    return caches.open(PAGES).then(function (cache) { return cache.put(config.checkin, response); });
  }

  self.addEventListener("install", function (event) {
    event.waitUntil(
      caches.open(SHELL).then(function (cache) { return cache.addAll(config.shell.concat([config.offline])); })
        // A copy of the check-in at once (and afresh after an update, whose new cache starts empty).
        // Signed out, the answer is a redirect to the log-in page: not followed, because rendering
        // that page would set a new CSRF cookie under a log-in form already open (refused: 403).
        .then(function () {
          return fetch(config.checkin, { credentials: "same-origin", redirect: "manual" }).then(keepPage, function () {});
        })
        .then(function () { return self.skipWaiting(); })
    );
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(
      caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf("myelotrack-") === 0 && name !== SHELL && name !== PAGES;
        }).map(function (name) { return caches.delete(name); }));
      }).then(function () { return self.clients.claim(); })
    );
  });

  function isCheckinPage(url) {
    return url.pathname === config.checkin;
  }

  function checkinNetworkFirst(request) {
    return fetch(request).then(function (response) {
      keepPage(response.clone());
      return response;
    }, function () {
      return caches.open(PAGES).then(function (cache) { return cache.match(config.checkin); })
        .then(function (cached) { return cached || caches.match(config.offline); });
    });
  }

  function pageOrOffline(request) {
    return fetch(request).catch(function () { return caches.match(config.offline); });
  }

  function shellCacheFirst(request) {
    return caches.match(request, { ignoreSearch: true }).then(function (cached) { return cached || fetch(request); });
  }

  self.addEventListener("fetch", function (event) {
    var request = event.request;
    if (request.method !== "GET") return;
    var url = new URL(request.url);
    if (url.origin !== self.location.origin) return;
    if (request.mode === "navigate") {
      event.respondWith(isCheckinPage(url) ? checkinNetworkFirst(request) : pageOrOffline(request));
      return;
    }
    if (config.shell.indexOf(url.pathname) !== -1) event.respondWith(shellCacheFirst(request));
    // Everything else (the API, fragments, other static files) goes to the network as usual.
  });

  function csrfToken(remembered) {
    // Chrome lets a worker read the cookie, which is always current; elsewhere the token a page recorded.
    if (self.cookieStore) {
      return self.cookieStore.get("csrftoken").then(function (cookie) {
        return (cookie && cookie.value) || remembered;
      }, function () { return remembered; });
    }
    return Promise.resolve(remembered);
  }

  function sendQueue() {
    return self.MyeloQueue.session().then(function (session) {
      if (!session) return null;
      return csrfToken(session.csrf).then(function (csrf) {
        return self.MyeloQueue.sendAll({ user: session.user, csrf: csrf, api: session.api || config.api });
      });
    }).then(function (result) {
      if (result && result.left) throw new Error("check-ins left to send"); // the browser retries the sync later
      return self.clients.matchAll({ type: "window" }).then(function (windows) {
        windows.forEach(function (client) { client.postMessage({ type: "queue-changed" }); });
      });
    });
  }

  self.addEventListener("sync", function (event) {
    if (event.tag === self.MyeloQueue.SYNC_TAG) event.waitUntil(sendQueue());
  });
})();
