// Reminders page: turn Web Push notifications on or off for this browser.
// The subscription is made with the server's VAPID public key and sent to the
// server (POST, JSON, CSRF header); the service worker at /sw.js shows the
// notifications (its push handler is static/js/sw-push.js).
(function () {
  "use strict";
  var section = document.getElementById("push-setup");
  if (!section) return;
  var subscribeButton = document.getElementById("push-subscribe");
  var unsubscribeButton = document.getElementById("push-unsubscribe");
  var status = document.getElementById("push-status");
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");

  function say(text) { status.textContent = text; }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function tell(method, body) {
    return fetch(section.dataset.subscribeUrl, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": tokenInput ? tokenInput.value : "" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) throw new Error("The server answered " + response.status);
      return response;
    });
  }

  function show(subscribed) {
    subscribeButton.hidden = subscribed;
    unsubscribeButton.hidden = !subscribed;
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("This browser cannot show notifications from MyeloTrack. You can choose an email reminder instead.");
    return;
  }

  // The app's own service worker; registering it again is harmless if it is already there.
  var ready = navigator.serviceWorker.register(section.dataset.swUrl).then(function () {
    return navigator.serviceWorker.ready;
  });

  ready.then(function (registration) {
    return registration.pushManager.getSubscription();
  }).then(function (subscription) {
    show(Boolean(subscription));
  }).catch(function () {
    say("Notifications cannot be set up on this page right now. Please try again later.");
  });

  subscribeButton.addEventListener("click", function () {
    say("Asking your phone for permission...");
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        throw new Error("Notifications are blocked. Allow them for this site in your browser settings, then try again.");
      }
      return ready;
    }).then(function (registration) {
      return registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(section.dataset.vapidKey)
      });
    }).then(function (subscription) {
      return tell("POST", subscription.toJSON());
    }).then(function () {
      show(true);
      // The server now sends reminders as notifications; show the form the same way.
      var choice = document.querySelector("input[name=channel][value=push]");
      if (choice) choice.checked = true;
      say("Notifications are on for this phone. Your reminder will come as a notification.");
    }).catch(function (error) {
      say(error.message || "Notifications could not be turned on.");
    });
  });

  unsubscribeButton.addEventListener("click", function () {
    ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) return null;
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () { return tell("DELETE", { endpoint: endpoint }); });
    }).then(function () {
      show(false);
      say("Notifications are off for this phone.");
    }).catch(function (error) {
      say(error.message || "Notifications could not be turned off.");
    });
  });
})();
