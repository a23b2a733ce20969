/* Check-ins kept on the phone until they can be sent (IndexedDB), shared by the pages and the service worker.

   An item is {key, user, date, madeAt, body}: key is the Idempotency-Key made
   on the phone, so sending the same item twice stores it once; date is the
   day the patient made it, which the server stores it under whenever it
   arrives; user is who made it, so a queue left by one person is never sent
   under another's sign-in. Sign-out clears everything (signout.js). */
(function (scope) {
  "use strict";
  var DB_NAME = "myelotrack";
  var QUEUE = "queue";
  var META = "meta";
  var SYNC_TAG = "checkin-queue";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = scope.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains(QUEUE)) db.createObjectStore(QUEUE, { keyPath: "key" });
        if (!db.objectStoreNames.contains(META)) db.createObjectStore(META, { keyPath: "name" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // One transaction per call: simple, and a phone holds at most a few items.
  function run(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var result;
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
        var request = work(tx.objectStore(store));
        if (request) request.onsuccess = function () { result = request.result; };
      });
    });
  }

  function getMeta(name) {
    return run(META, "readonly", function (s) { return s.get(name); }).then(function (row) {
      return row ? row.value : undefined;
    });
  }

  function setMeta(name, value) {
    return run(META, "readwrite", function (s) { return s.put({ name: name, value: value }); });
  }

  function newKey() {
    if (scope.crypto && scope.crypto.randomUUID) return scope.crypto.randomUUID();
    // Older Safari: 122 random bits in the same shape.
    var b = scope.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function add(item) {
    item.key = item.key || newKey();
    return run(QUEUE, "readwrite", function (s) { return s.put(item); }).then(function () { return item; });
  }

  function all() {
    return run(QUEUE, "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.madeAt < b.madeAt ? -1 : 1; });
    });
  }

  function remove(key) {
    return run(QUEUE, "readwrite", function (s) { return s.delete(key); });
  }

  function notices() {
    return getMeta("notices").then(function (list) { return list || []; });
  }

  function addNotice(text) {
    return notices().then(function (list) { return setMeta("notices", list.concat([text])); });
  }

  function clearNotices() {
    return setMeta("notices", []);
  }

  function clear() {
    return new Promise(function (resolve) {
      var request = scope.indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    });
  }

  // Who is signed in and the CSRF token to send with: the pages record them
  // for the service worker, which cannot read the page or (everywhere) the cookie.
  function remember(user, csrf, api) {
    return setMeta("session", { user: user, csrf: csrf, api: api });
  }

  function session() {
    return getMeta("session");
  }

  function explain(item, status, body) {
    var detail = "";
    if (body && typeof body === "object") {
      detail = Object.keys(body).map(function (name) {
        var value = body[name];
        return Array.isArray(value) ? value.join(" ") : String(value);
      }).join(" ");
    }
    var day = item.date;
    try {
      day = new Date(item.date + "T12:00:00").toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long" });
    } catch (e) { /* keep the ISO date */ }
    // The status code only for whoever helps the patient; the words first.
    return "Your check-in for " + day + " could not be stored. " + (detail ? detail + " " : "") +
      "Please check in again if it was for today. (" + status + ")";
  }

  /* Send every item of this user, oldest first. 2xx: stored, removed.
     401/403/429: not now (signed out, stale token, too fast), kept, stop.
     Other 4xx: the server will never take it (e.g. too old): removed, with a
     notice for the patient. 5xx or no network: kept, stop, try again later.
     Resolves to {sent, dropped, left}. */
  function sendAll(options) {
    var done = { sent: 0, dropped: 0, left: 0 };
    function one(items, i) {
      if (i >= items.length) return Promise.resolve(done);
      var item = items[i];
      if (item.user !== options.user) return one(items, i + 1);
      return scope.fetch(options.api, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "Idempotency-Key": item.key,
          "X-CSRFToken": options.csrf || "",
        },
        body: JSON.stringify(item.body),
      }).then(function (response) {
        if (response.ok) {
          done.sent += 1;
          return remove(item.key).then(function () { return one(items, i + 1); });
        }
        if (response.status >= 500 || response.status === 401 || response.status === 403 || response.status === 429) {
          done.left = items.length - i;
          return done;
        }
        return response.json().catch(function () { return null; }).then(function (body) {
          done.dropped += 1;
          return addNotice(explain(item, response.status, body))
            .then(function () { return remove(item.key); })
            .then(function () { return one(items, i + 1); });
        });
      }, function () {
        done.left = items.length - i;
        return done;
      });
    }
    function go() {
      return all().then(function (items) { return one(items, 0); });
    }
    // The page and the service worker may both try at once: one at a time
    // (the Idempotency-Key would make a double send harmless anyway).
    if (scope.navigator && scope.navigator.locks) {
      return scope.navigator.locks.request("myelotrack-checkin-queue", go);
    }
    return go();
  }

  scope.MyeloQueue = {
    SYNC_TAG: SYNC_TAG,
    add: add,
    all: all,
    remove: remove,
    clear: clear,
    notices: notices,
    clearNotices: clearNotices,
    remember: remember,
    session: session,
    sendAll: sendAll,
  };
})(self);
