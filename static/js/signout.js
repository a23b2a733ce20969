/* Nothing of a patient stays on the phone after sign-out: the check-ins kept
   offline (IndexedDB) and the service worker's copy of the check-in page.
   Anything still queued gets one short chance to be sent first. On a page
   for someone signed out (the log-in page after a session lapsed) only the
   page copy goes: the queue waits for its owner to sign in again. */
(function () {
  "use strict";
  function dropPageCopies() {
    if (!window.caches) return Promise.resolve();
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name.indexOf("myelotrack-pages-") === 0; })
        .map(function (name) { return caches.delete(name); }));
    }).catch(function () {});
  }

  function within(ms, promise) {
    return Promise.race([promise.catch(function () {}), new Promise(function (resolve) { setTimeout(resolve, ms); })]);
  }

  var form = document.getElementById("logout-form");
  if (!form) { dropPageCopies(); return; }
  var leaving = false;
  form.addEventListener("submit", function (event) {
    if (leaving || !window.MyeloQueue) return;
    event.preventDefault();
    leaving = true;
    var queue = window.MyeloQueue;
    var last = queue.session().then(function (session) {
      if (!session || !navigator.onLine) return null;
      return queue.sendAll(session);
    });
    within(3000, last)
      .then(function () { return within(2000, Promise.all([queue.clear(), dropPageCopies()])); })
      .then(function () { form.submit(); });
  });
})();
