/* Passkeys: log in with a fingerprint, face or the phone's screen lock instead
   of typing (WebAuthn). The server side is patients/passkeys.py (the `webauthn`
   library); this only moves the browser's bytes to and fro as base64url.
   Buttons stay hidden where the browser has no passkeys: the password works. */
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) return;

  function fromB64url(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = atob(b64), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }
  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: body === undefined ? "{}" : JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.detail || "Something went wrong. Use your password.");
        return data;
      });
    });
  }
  function say(where, text) {
    var box = document.getElementById(where);
    if (box) { box.textContent = text; box.hidden = false; }
  }
  function credentialJSON(cred) {
    var r = cred.response, out = { id: cred.id, rawId: toB64url(cred.rawId), type: cred.type, response: {},
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {} };
    ["clientDataJSON", "attestationObject", "authenticatorData", "signature", "userHandle"].forEach(function (k) {
      if (r[k]) out.response[k] = toB64url(r[k]);
    });
    if (r.getTransports) out.response.transports = r.getTransports();
    if (cred.authenticatorAttachment) out.authenticatorAttachment = cred.authenticatorAttachment;
    return out;
  }

  var logIn = document.getElementById("passkey-log-in");
  if (logIn) {
    logIn.hidden = false;
    logIn.addEventListener("click", function () {
      post(logIn.getAttribute("data-options-url")).then(function (options) {
        options.challenge = fromB64url(options.challenge);
        (options.allowCredentials || []).forEach(function (c) { c.id = fromB64url(c.id); });
        return navigator.credentials.get({ publicKey: options });
      }).then(function (cred) {
        var next = document.querySelector("input[name=next]");
        return post(logIn.getAttribute("data-url"), { credential: credentialJSON(cred), next: next ? next.value : "" });
      }).then(function (data) {
        window.location.assign(data.redirect || "/");
      }).catch(function (error) {
        say("passkey-status", error && error.name === "NotAllowedError"
          ? "No passkey was used. You can log in with your password." : (error.message || String(error)));
      });
    });
  }

  document.querySelectorAll("[data-passkey-offer]").forEach(function (box) { box.hidden = false; });

  document.querySelectorAll("[data-passkey-add]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      post(button.getAttribute("data-options-url")).then(function (options) {
        options.challenge = fromB64url(options.challenge);
        options.user.id = fromB64url(options.user.id);
        (options.excludeCredentials || []).forEach(function (c) { c.id = fromB64url(c.id); });
        return navigator.credentials.create({ publicKey: options });
      }).then(function (cred) {
        return post(button.getAttribute("data-url"), { credential: credentialJSON(cred), name: button.getAttribute("data-device-name") || "" });
      }).then(function () {
        window.location.assign(button.getAttribute("data-done-url") || window.location.href);
      }).catch(function (error) {
        say("passkey-status", error && error.name === "NotAllowedError"
          ? "No passkey was added. You can try again any time from your account page." : (error.message || String(error)));
      });
    });
  });
})();
